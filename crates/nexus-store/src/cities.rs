//! The cities table.

use nexus_core::{City, CitySlug};

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

impl Store {
    /// Inserts or updates cities by slug, all in one transaction; returns how many rows
    /// were written.
    ///
    /// # Errors
    /// When the database refuses a row; then none is written.
    pub async fn upsert_cities(&self, cities: &[City]) -> StoreResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("upsert_cities_begin"))?;
        let stmt = tx
            .prepare(
                "INSERT INTO cities (slug, name, name_local, country, role, centre, approximate, source)
                 VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4326), $8, $9)
                 ON CONFLICT (slug) DO UPDATE SET
                     name = EXCLUDED.name, name_local = EXCLUDED.name_local, country = EXCLUDED.country,
                     role = EXCLUDED.role, centre = EXCLUDED.centre, approximate = EXCLUDED.approximate,
                     source = EXCLUDED.source, updated_at = now()
                 WHERE (cities.name, cities.name_local, cities.country, cities.role, cities.centre,
                        cities.approximate, cities.source)
                       IS DISTINCT FROM
                       (EXCLUDED.name, EXCLUDED.name_local, EXCLUDED.country, EXCLUDED.role, EXCLUDED.centre,
                        EXCLUDED.approximate, EXCLUDED.source)",
            )
            .await
            .map_err(StoreError::query("upsert_cities_prepare"))?;
        let mut written = 0;
        for c in cities {
            written += tx
                .execute(
                    &stmt,
                    &[
                        &c.slug.as_str(),
                        &c.name,
                        &c.name_local,
                        &c.country,
                        &c.role,
                        &c.lon,
                        &c.lat,
                        &c.approximate,
                        &c.source,
                    ],
                )
                .await
                .map_err(StoreError::query("upsert_city"))?;
        }
        tx.commit().await.map_err(StoreError::query("upsert_cities_commit"))?;
        Ok(written)
    }

    /// Every city, by name.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn list_cities(&self) -> StoreResult<Vec<City>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT slug, name, name_local, country, role, ST_X(centre), ST_Y(centre), approximate, source
                 FROM cities ORDER BY name",
                &[],
            )
            .await
            .map_err(StoreError::query("list_cities"))?;
        rows.iter()
            .map(|r| {
                let slug: String = r.get(0);
                Ok(City {
                    slug: CitySlug::new(slug)
                        .map_err(|e| StoreError::Query { what: "list_cities", reason: e.to_string() })?,
                    name: r.get(1),
                    name_local: r.get(2),
                    country: r.get(3),
                    role: r.get(4),
                    lon: r.get(5),
                    lat: r.get(6),
                    approximate: r.get(7),
                    source: r.get(8),
                })
            })
            .collect()
    }
}
