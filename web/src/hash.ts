// The view lives in the URL hash, so a copied link reopens it:
// #city=chiang-mai&map=12.5/18.79/98.99&layers=cm-rivers,cm-heritage&nexus=links,hex&project=slug&lang=th

export interface View {
  city: string;
  map: { zoom: number; lat: number; lon: number } | null;
  /** Layers switched on; null when the hash does not say (every layer then starts on). */
  layers: string[] | null;
  nexus: string[];
  project: string;
  lang: string;
}

export function readHash(hash: string = location.hash): View {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const list = (k: string) => (p.get(k) ?? '').split(',').filter(Boolean);
  let map: View['map'] = null;
  const m = (p.get('map') ?? '').split('/').map(Number);
  // A hand-edited or truncated link must not stop the map from starting.
  if (m.length === 3 && m.every(Number.isFinite) && Math.abs(m[1]) <= 85) {
    // A longitude in range is kept exactly (wrapping it would add rounding noise).
    const lon = Math.abs(m[2]) <= 180 ? m[2] : ((((m[2] + 180) % 360) + 360) % 360) - 180;
    map = { zoom: Math.min(22, Math.max(0, m[0])), lat: m[1], lon };
  }
  return {
    city: p.get('city') ?? '',
    map,
    layers: p.has('layers') ? list('layers') : null,
    nexus: list('nexus'),
    project: p.get('project') ?? '',
    lang: p.get('lang') ?? '',
  };
}

export function writeHash(v: View): void {
  const p = new URLSearchParams();
  if (v.city) p.set('city', v.city);
  if (v.map) p.set('map', `${v.map.zoom.toFixed(2)}/${v.map.lat.toFixed(5)}/${v.map.lon.toFixed(5)}`);
  if (v.layers) p.set('layers', v.layers.join(','));
  if (v.nexus.length) p.set('nexus', v.nexus.join(','));
  if (v.project) p.set('project', v.project);
  if (v.lang && v.lang !== 'en') p.set('lang', v.lang);
  // URLSearchParams escapes the commas and slashes that keep the hash readable; they are safe here.
  const text = p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  history.replaceState(null, '', `${location.pathname}${location.search}#${text}`);
}
