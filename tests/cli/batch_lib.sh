# batch_lib.sh -- the study the batch tests share: 10 subjects × 4 sessions of the healing-series
# phantom (seeds 1..10, 320×240: every photo's sha256 differs), a manifest of those 40 photos with
# relative paths and quoted labels, and optionally one row whose image is not a photo.
# make_study DIR [bad]: writes DIR/photos/..., DIR/manifest.csv.
make_study() {
  local d="$1" s day
  mkdir -p "$d/photos"
  {
    echo 'subject,site,date,image,label,procedure'
    for s in $(seq 1 10); do
      "$SKINQ" synth --kind healing-series --out "$d/photos/s$s" --width 320 --height 240 --seed "$s" -q || return 1
      for day in 0 1 2 3; do
        printf 'S%02d,left cheek,2026-03-%02d,photos/s%d/day%02d.jpg,"visit %d, week 0",%s\n' "$s" $((day + 2)) "$s" \
          "$day" "$day" "$([ "$day" = 1 ] && echo '"laser, 1 pass"')"
      done
    done
    if [ "${2:-}" = bad ]; then
      printf 'not a photo' >"$d/photos/broken.jpg"
      echo 'S03,left cheek,2026-03-09,photos/broken.jpg,visit 9,'
    fi
  } >"$d/manifest.csv"
}

# sorted_lines FILE...: the lines of every file, sorted (one file per shard -> one set)
sorted_lines() { cat "$@" | LC_ALL=C sort; }
