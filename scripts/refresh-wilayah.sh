#!/usr/bin/env bash
# refresh-wilayah.sh [version]: refresh the Kemendagri area list that
# content/wilayah embeds, from the npm package idn-area-data (default
# 4.0.1). It needs npm (only `npm pack`, nothing is installed), gzip and Go.
#
# It writes exactly what the package embeds: data/provinces.csv,
# data/regencies.csv, data/districts.csv, data/villages.csv.gz (gzip -n, so
# the same input gives the same bytes), data/LICENSE.md (ODbL) and
# data/SOURCE (package, version, sha512 of the tarball). Then it runs the
# package's tests: the loader checks every code, parent and name, and
# TestCounts prints the counts (update its figures when a new version
# changes them, and read the diff of the files).
set -euo pipefail
version="${1:-4.0.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/content/wilayah/data"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
tarball="$(npm pack --silent "idn-area-data@$version")"
tar -xzf "$tarball"
src="$tmp/package/data"
for f in provinces regencies districts villages; do
  [ -s "$src/$f.csv" ] || { echo "refresh-wilayah: $f.csv missing in idn-area-data@$version" >&2; exit 1; }
done
[ -s "$src/LICENSE.md" ] || { echo "refresh-wilayah: data/LICENSE.md missing in idn-area-data@$version" >&2; exit 1; }

count() { echo $(($(wc -l <"$1") - 1)); }
echo "idn-area-data@$version: $(count "$src/provinces.csv") provinces, $(count "$src/regencies.csv") kabupaten/kota," \
  "$(count "$src/districts.csv") kecamatan, $(count "$src/villages.csv") kelurahan/desa"

mkdir -p "$dest"
cp "$src/provinces.csv" "$src/regencies.csv" "$src/districts.csv" "$src/LICENSE.md" "$dest/"
gzip -n -9 -c "$src/villages.csv" >"$dest/villages.csv.gz"
sum="$(sha512sum "$tarball" | cut -d' ' -f1)"
cat >"$dest/SOURCE" <<SRC
idn-area-data $version (npm), https://www.npmjs.com/package/idn-area-data
https://github.com/fityannugroho/idn-area-data
Data: Kemendagri administrative area codes, compiled by Fityan (fityannugroho).
Licence of the data: Open Database License (ODbL) 1.0, LICENSE.md in this folder.
Files: data/provinces.csv, data/regencies.csv, data/districts.csv as published;
data/villages.csv.gz is data/villages.csv gzipped (gzip -n -9). islands.csv is not used.
Tarball sha512: $sum
SRC

cd "$root"
go test -count=1 ./content/wilayah -run 'TestLoad|TestCounts' -v | grep -E '^(---|ok|FAIL)|counts:'
