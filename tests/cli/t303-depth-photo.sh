#!/usr/bin/env bash
# skinq depth IMAGE: one photo gives only a relative shading index, never millimetres.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" depth "$FX/good.jpg" --json
expect_rc 0 "single photo"
expect_json input=single-photo relative=true units.height=relative surface.shading_index.mean \
  surface.shading_index.p50 surface.shading_index.p95 surface.shading_index.max \
  surface.shading_index.area_fraction image.sha256
if python3 -c "
import json,sys; r=json.load(open('$T/out'))
sys.exit(1 if 'scars' in r or 'mm' in json.dumps(r.get('surface', {})) else 0)"; then ok; else bad "no mm in a single-photo result"; fi

# a lateral scale changes lengths only: still relative, no heights, no scars, no mm depths
run "$SKINQ" depth "$FX/good.jpg" --px-per-mm 20 --json
expect_rc 0 "single photo with a scale"
expect_json input=single-photo relative=true units.height=relative scale.px_per_mm=20
if python3 -c "
import json,sys; r=json.load(open('$T/out'))
sys.exit(1 if 'scars' in r or 'mm' in json.dumps(r.get('surface', {})) else 0)"; then ok
else bad "no mm in a single-photo result with a scale"; fi

run "$SKINQ" depth "$FX/good.jpg" --maps "$T/maps"
expect_rc 0 "--maps"
expect_out_contains "shading_index"
if [ -s "$T/maps/shading.png" ]; then ok; else bad "shading.png missing"; fi

run "$SKINQ" depth "$FX/bad-cmyk.jpg"
expect_rc 3 "cmyk"
expect_one_line_error "bad-cmyk.jpg"
finish
