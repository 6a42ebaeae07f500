"""Parts 2 and 3 through GDAL's OAPIF driver (GDAL 3.12, bundled by pyogrio): a collection read
in UTM zone 47N has the coordinates an independent projection gives, in metres, and says so;
an attribute filter (which GDAL sends as CQL2 when the server offers it) reads the one tambon.

Usage: crs_with_gdal.py URL
"""
import math
import sys

import pyogrio

url = sys.argv[1].rstrip("/")
layer = "cm-treatment-plants"
lonlat = pyogrio.read_dataframe(f"OAPIF:{url}/", layer=layer)
utm = pyogrio.read_dataframe(f"OAPIF:{url}/", layer=layer, CRS="EPSG:32647")
assert utm.crs.to_epsg() == 32647, utm.crs
assert len(utm) == len(lonlat) > 0


def to_utm47(lon, lat):
    """Transverse Mercator (Krüger series, 4th order) for zone 47N: an independent check."""
    a, f, k0 = 6378137.0, 1 / 298.257223563, 0.9996
    n = f / (2 - f)
    big_a = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    alpha = [n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16, 13 * n**2 / 48 - 3 * n**3 / 5, 61 * n**3 / 240]
    phi, lam = math.radians(lat), math.radians(lon - 99.0)
    e = math.sqrt(f * (2 - f))
    t = math.sinh(math.atanh(math.sin(phi)) - e * math.atanh(e * math.sin(phi)))
    xi, eta = math.atan2(t, math.cos(lam)), math.atanh(math.sin(lam) / math.sqrt(1 + t * t))
    x = eta + sum(al * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, al in enumerate(alpha, 1))
    y = xi + sum(al * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, al in enumerate(alpha, 1))
    return 500000 + k0 * big_a * x, k0 * big_a * y


for p, q in zip(lonlat.geometry, utm.geometry):
    x, y = to_utm47(p.x, p.y)
    assert abs(q.x - x) < 0.5 and abs(q.y - y) < 0.5, (p, q, x, y)
hai_ya = pyogrio.read_dataframe(f"OAPIF:{url}/", layer="cm-tambon", where="name = 'Hai Ya'")
assert list(hai_ya["name_th"]) == ["หายยา"], hai_ya
print(f"GDAL {pyogrio.__gdal_version_string__}: {layer} read in EPSG:32647 ({len(utm)} features, within 0.5 m); "
      "a filtered read found Hai Ya")
