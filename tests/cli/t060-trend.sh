#!/usr/bin/env bash
# skinq trend: the healing fit from a store (fixture: tau = 3 days), refusals and exit codes.
. "$(dirname "$0")/lib.sh"
store="$FX/store.db"

run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric color.a.mean --json
expect_rc 0 "trend --json"
expect_json_path metric color.a.mean
expect_json_path points.8.day 42
expect_json_path fit.model exponential
if python3 -c "
import json,sys; d=json.load(open('$T/out')); f=d['fit']
assert abs(f['tau_days']-3)<1e-3 and abs(f['y0']-10)<1e-3 and abs(f['y_inf']-2)<1e-3, f
assert abs(f['half_life_days']-3*0.6931471805599453)<1e-3 and f['r2']>0.999999
assert 'stderr' in f and d['linear']['slope_per_week']<0
"; then ok; else bad "fit values"; fi

SKINQ_STORE="$store" run "$SKINQ" trend --subject S01 --site cheek --metric color.a.mean
expect_rc 0 "text via SKINQ_STORE"
expect_out_contains "tau 3 d"

run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric color.a.mean --model two-phase --json
expect_rc 0 "two-phase"
expect_json_path fit.model two-phase

run "$SKINQ" trend --store "$store" --subject S01 --site scar --metric color.a.mean
expect_rc 4 "two points"
expect_one_line_error "at least 3 points"
run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric no.such.metric
expect_rc 2 "unknown metric (not in the registry)"
expect_one_line_error "no.such.metric"
run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric color.hemoglobn.mean
expect_rc 2 "a misspelt metric"
expect_one_line_error "valid keys: color.a.mean, "
if grep -q "color.hemoglobin.mean" "$T/err" && ! grep -q "texture.roughness" "$T/err"; then ok; else bad "the colour keys listed, only they"; fi
run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric scars.max_depth_mm
expect_rc 4 "a known metric with nothing stored"
expect_one_line_error "scars.max_depth_mm"
run "$SKINQ" trend --store "$T/none.db" --subject S01 --site cheek --metric color.a.mean
expect_rc 5 "missing store"
expect_one_line_error "none.db"
if [ ! -e "$T/none.db" ]; then ok; else bad "a query must not create a store"; fi
run "$SKINQ" trend --store "$store" --subject S01 --metric color.a.mean
expect_rc 2 "missing --site"
run "$SKINQ" trend --store "$store" --subject S01 --site cheek --metric color.a.mean --model cubic
expect_rc 2 "bad --model"
finish
