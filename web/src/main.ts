// The Nexus Atlas map: for now the partner cities on a self-contained base (no external
// tiles, fonts or sprites), with a picker that flies to a city.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

interface CityProps {
  slug: string;
  name: string;
  name_local: string | null;
  country: string;
  role: string;
}

type CityCollection = GeoJSON.FeatureCollection<GeoJSON.Point, CityProps>;

const status = document.getElementById('status') as HTMLSpanElement;
const picker = document.getElementById('city') as HTMLSelectElement;

const map = new maplibregl.Map({
  container: 'map',
  center: [105, 18],
  zoom: 3,
  attributionControl: { compact: true },
  style: {
    version: 8,
    sources: {
      cities: { type: 'geojson', data: '/api/cities', attribution: 'Nexus Atlas · city centres approximate' },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef2f5' } },
      {
        id: 'cities',
        type: 'circle',
        source: 'cities',
        paint: {
          'circle-radius': ['match', ['get', 'role'], 'partner', 7, 5],
          'circle-color': ['match', ['get', 'role'], 'partner', '#0072B2', '#999999'],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      },
    ],
  },
});
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-left');

async function loadCities(): Promise<void> {
  const res = await fetch('/api/cities');
  if (!res.ok) throw new Error(`cities: HTTP ${res.status}`);
  const fc = (await res.json()) as CityCollection;
  for (const f of fc.features) {
    const opt = document.createElement('option');
    opt.value = f.properties.slug;
    opt.textContent = f.properties.name_local ? `${f.properties.name} · ${f.properties.name_local}` : f.properties.name;
    opt.dataset.lon = String(f.geometry.coordinates[0]);
    opt.dataset.lat = String(f.geometry.coordinates[1]);
    picker.append(opt);
  }
  status.textContent = `${fc.features.length} cities`;
}

picker.addEventListener('change', () => {
  const opt = picker.selectedOptions[0];
  if (!opt?.value) {
    map.flyTo({ center: [105, 18], zoom: 3 });
    return;
  }
  map.flyTo({ center: [Number(opt.dataset.lon), Number(opt.dataset.lat)], zoom: 11 });
});

map.on('click', 'cities', (e) => {
  const f = e.features?.[0];
  if (!f) return;
  const p = f.properties as unknown as CityProps;
  const el = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = p.name;
  el.append(title, document.createElement('br'), `${p.name_local ?? ''} (${p.country}, ${p.role})`);
  new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(el).addTo(map);
});

loadCities().catch((err: unknown) => {
  status.textContent = `Could not load cities: ${String(err)}`;
});

// Exposed for end-to-end tests, which wait for `idle` and query rendered features.
(window as unknown as { nexusMap: maplibregl.Map }).nexusMap = map;
