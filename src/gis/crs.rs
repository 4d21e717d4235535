//! The coordinate reference systems a layer comes in, and the way from
//! S-JTSK to WGS 84.
//!
//! Czech GIS data is in S-JTSK / Krovak East North (EPSG:5514): metres,
//! both negative in the Czech Republic. Older software writes the same
//! projection with positive, swapped axes (EPSG:5513, "Krovak" south-west),
//! and a CSV's columns named X and Y may mean either; the numbers tell
//! which, as the two never overlap inside the republic.

use proj4rs::proj::Proj;

/// EPSG:5514 with the 7-parameter shift to WGS 84 of EPSG:5239-era
/// transformations (the 3-parameter shift is about 10 m off).
const SJTSK: &str = "+proj=krovak +lat_0=49.5 +lon_0=24.83333333333333 \
+alpha=30.28813972222222 +k=0.9999 +x_0=0 +y_0=0 +ellps=bessel \
+towgs84=572.213,85.334,461.94,4.9732,1.529,5.2484,3.5378 +units=m +no_defs";
const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";

/// Where S-JTSK East North coordinates lie (the Czech and Slovak
/// republics with a margin), in metres.
const EAST: (f64, f64) = (-950_000.0, -150_000.0);
const NORTH: (f64, f64) = (-1_350_000.0, -900_000.0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crs {
    Wgs84,
    Sjtsk,
}

impl Crs {
    /// The EPSG code a client and the response name it by.
    pub fn code(self) -> &'static str {
        match self {
            Crs::Wgs84 => "EPSG:4326",
            Crs::Sjtsk => "EPSG:5514",
        }
    }

    /// From a query's `crs=`, a GeoJSON's old `crs` member or an OGC URI:
    /// `EPSG:5514`, `5514`, `urn:ogc:def:crs:EPSG::5514`,
    /// `http://www.opengis.net/def/crs/EPSG/0/5514`, ESRI's `102067`, and
    /// the same for WGS 84 (`4326`, `CRS84`).
    pub fn parse(s: &str) -> Option<Crs> {
        let s = s.trim();
        let last = s
            .rsplit([':', '/'])
            .next()
            .unwrap_or(s)
            .to_ascii_uppercase();
        match last.as_str() {
            "4326" | "CRS84" | "WGS84" | "4258" => Some(Crs::Wgs84),
            "5514" | "5513" | "102067" | "2065" | "S-JTSK" => Some(Crs::Sjtsk),
            _ => None,
        }
    }

    /// From a Shapefile's `.prj` (OGC or ESRI WKT). `Err` carries the
    /// system's name as the file gives it, for the report.
    pub fn from_prj(wkt: &str) -> Result<Crs, String> {
        let upper = wkt.to_ascii_uppercase();
        let projected = upper.trim_start().starts_with("PROJCS") || upper.contains("PROJCRS");
        if upper.contains("KROVAK") || upper.contains("S-JTSK") || upper.contains("S_JTSK") {
            return Ok(Crs::Sjtsk);
        }
        let geographic_wgs = upper.contains("WGS_1984")
            || upper.contains("WGS 84")
            || upper.contains("WGS84")
            || upper.contains("ETRS_1989")
            || upper.contains("ETRS89");
        if !projected && geographic_wgs {
            return Ok(Crs::Wgs84);
        }
        let name: String = wkt
            .split('"')
            .nth(1)
            .unwrap_or(wkt)
            .chars()
            .take(80)
            .collect();
        Err(name)
    }
}

/// Turns a layer's positions into WGS 84 longitude and latitude.
pub struct ToWgs84 {
    from: Crs,
    projections: Option<(Proj, Proj)>,
    /// How the layer writes S-JTSK: its axes as they come (`None` until the
    /// first position says).
    axes: Option<Axes>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Axes {
    EastNorth,
    Negated,
    NegatedSwapped,
    Swapped,
}

impl Axes {
    fn apply(self, a: f64, b: f64) -> (f64, f64) {
        match self {
            Axes::EastNorth => (a, b),
            Axes::Negated => (-a, -b),
            Axes::NegatedSwapped => (-b, -a),
            Axes::Swapped => (b, a),
        }
    }
}

fn in_sjtsk(e: f64, n: f64) -> bool {
    (EAST.0..=EAST.1).contains(&e) && (NORTH.0..=NORTH.1).contains(&n)
}

/// Whether a position is a longitude and latitude.
pub fn in_wgs84(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

/// Whether a position could be S-JTSK in any of the ways it is written.
pub fn looks_sjtsk(a: f64, b: f64) -> bool {
    [
        Axes::EastNorth,
        Axes::Negated,
        Axes::NegatedSwapped,
        Axes::Swapped,
    ]
    .iter()
    .any(|x| {
        let (e, n) = x.apply(a, b);
        in_sjtsk(e, n)
    })
}

impl ToWgs84 {
    pub fn new(from: Crs) -> Result<ToWgs84, String> {
        let projections = match from {
            Crs::Wgs84 => None,
            Crs::Sjtsk => Some((
                Proj::from_proj_string(SJTSK).map_err(|e| e.to_string())?,
                Proj::from_proj_string(WGS84).map_err(|e| e.to_string())?,
            )),
        };
        Ok(ToWgs84 {
            from,
            projections,
            axes: None,
        })
    }

    /// One position in WGS 84 degrees; `None` when it lies outside what
    /// the layer's system covers (the report names the feature).
    pub fn convert(&mut self, a: f64, b: f64) -> Option<[f64; 2]> {
        if !a.is_finite() || !b.is_finite() {
            return None;
        }
        match (self.from, &self.projections) {
            (Crs::Wgs84, _) => in_wgs84(a, b).then_some([a, b]),
            (Crs::Sjtsk, Some((src, dst))) => {
                let axes = match self.axes {
                    Some(x) => x,
                    None => {
                        let found = [
                            Axes::EastNorth,
                            Axes::Negated,
                            Axes::NegatedSwapped,
                            Axes::Swapped,
                        ]
                        .into_iter()
                        .find(|x| {
                            let (e, n) = x.apply(a, b);
                            in_sjtsk(e, n)
                        })?;
                        self.axes = Some(found);
                        found
                    }
                };
                let (e, n) = axes.apply(a, b);
                if !in_sjtsk(e, n) {
                    return None;
                }
                let (lon, lat) = proj4rs::adaptors::transform_xy(src, dst, e, n).ok()?;
                let (lon, lat) = (lon.to_degrees(), lat.to_degrees());
                in_wgs84(lon, lat).then_some([lon, lat])
            }
            (Crs::Sjtsk, None) => None,
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_systems() {
        assert_eq!(Crs::parse("EPSG:5514"), Some(Crs::Sjtsk));
        assert_eq!(Crs::parse("urn:ogc:def:crs:EPSG::5514"), Some(Crs::Sjtsk));
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
            Some(Crs::Wgs84)
        );
        assert_eq!(Crs::parse("EPSG:3857"), None);
        let esri = r#"PROJCS["S-JTSK_Krovak_East_North",GEOGCS["GCS_S_JTSK",DATUM["D_S_JTSK",SPHEROID["Bessel_1841",6377397.155,299.1528128]]],PROJECTION["Krovak"]]"#;
        assert_eq!(Crs::from_prj(esri), Ok(Crs::Sjtsk));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_prj(wgs), Ok(Crs::Wgs84));
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984"]]"#;
        assert_eq!(Crs::from_prj(utm), Err("WGS_1984_UTM_Zone_33N".to_string()));
    }

    #[test]
    fn the_axes_of_s_jtsk_in_every_spelling_give_one_place() {
        // 13.4175 E, 50.4605 N in Chomutov, as pyproj gives it in S-JTSK
        // (the integration tests check a grid over the whole country).
        let (e, n) = (-807_690.602_727_7, -991_720.289_749_7);
        let mut want = ToWgs84::new(Crs::Sjtsk).unwrap();
        let p = want.convert(e, n).unwrap();
        assert!(
            (p[0] - 13.4175).abs() < 1e-6 && (p[1] - 50.4605).abs() < 1e-6,
            "{p:?}"
        );
        for (a, b) in [(-e, -n), (-n, -e), (n, e)] {
            let mut t = ToWgs84::new(Crs::Sjtsk).unwrap();
            assert_eq!(t.convert(a, b), Some(p));
        }
        assert_eq!(want.convert(13.4, 50.4), None);
    }
}
