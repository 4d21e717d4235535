//! Geometries as the portal keeps them: GeoJSON's seven types in WGS 84,
//! read from a GeoJSON value with bounded nesting, checked as the Simple
//! Features rules require (closed rings, no self-intersection), and
//! written as GeoJSON (RFC 7946: counter-clockwise outer rings) and WKT.

use serde_json::Value;

pub type Pos = [f64; 2];

#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    Point(Pos),
    MultiPoint(Vec<Pos>),
    LineString(Vec<Pos>),
    MultiLineString(Vec<Vec<Pos>>),
    Polygon(Vec<Vec<Pos>>),
    MultiPolygon(Vec<Vec<Vec<Pos>>>),
    Collection(Vec<Geometry>),
}

/// How deep GeometryCollections may nest (RFC 7946 advises against any).
pub const MAX_NESTING: usize = 8;
/// Positions in one feature.
pub const MAX_POSITIONS: usize = 1_000_000;

/// What is wrong with a geometry: an i18n key.
pub type Problem = &'static str;

/// Reads a GeoJSON geometry object; positions are taken as they are
/// (their system is the layer's), checked for count and finiteness only.
pub fn from_geojson(v: &Value) -> Result<Geometry, Problem> {
    let mut budget = MAX_POSITIONS;
    read(v, 0, &mut budget)
}

fn read(v: &Value, depth: usize, budget: &mut usize) -> Result<Geometry, Problem> {
    let obj = v.as_object().ok_or("gis_geometry_invalid")?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or("gis_geometry_invalid")?;
    if kind == "GeometryCollection" {
        if depth >= MAX_NESTING {
            return Err("gis_geometry_too_deep");
        }
        let parts = obj
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or("gis_geometry_invalid")?;
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            out.push(read(p, depth + 1, budget)?);
        }
        return Ok(Geometry::Collection(out));
    }
    let c = obj.get("coordinates").ok_or("gis_geometry_invalid")?;
    let g = match kind {
        "Point" => Geometry::Point(pos(c, budget)?),
        "MultiPoint" => Geometry::MultiPoint(line(c, budget)?),
        "LineString" => Geometry::LineString(line(c, budget)?),
        "MultiLineString" => Geometry::MultiLineString(lines(c, budget)?),
        "Polygon" => Geometry::Polygon(lines(c, budget)?),
        "MultiPolygon" => Geometry::MultiPolygon(
            c.as_array()
                .ok_or("gis_geometry_invalid")?
                .iter()
                .map(|p| lines(p, budget))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err("gis_geometry_type"),
    };
    Ok(g)
}

fn pos(v: &Value, budget: &mut usize) -> Result<Pos, Problem> {
    if *budget == 0 {
        return Err("gis_geometry_too_large");
    }
    *budget -= 1;
    let a = v.as_array().ok_or("gis_geometry_invalid")?;
    match (
        a.first().and_then(Value::as_f64),
        a.get(1).and_then(Value::as_f64),
    ) {
        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok([x, y]),
        _ => Err("gis_geometry_invalid"),
    }
}

fn line(v: &Value, budget: &mut usize) -> Result<Vec<Pos>, Problem> {
    v.as_array()
        .ok_or("gis_geometry_invalid")?
        .iter()
        .map(|p| pos(p, budget))
        .collect()
}

fn lines(v: &Value, budget: &mut usize) -> Result<Vec<Vec<Pos>>, Problem> {
    v.as_array()
        .ok_or("gis_geometry_invalid")?
        .iter()
        .map(|l| line(l, budget))
        .collect()
}

impl Geometry {
    /// Every position through `f` (a reprojection), which may refuse one.
    pub fn map_positions(&mut self, f: &mut dyn FnMut(Pos) -> Option<Pos>) -> Result<(), Problem> {
        let mut one = |p: &mut Pos| -> Result<(), Problem> {
            *p = f(*p).ok_or("gis_coordinates_out_of_range")?;
            Ok(())
        };
        match self {
            Geometry::Point(p) => one(p),
            Geometry::MultiPoint(ps) | Geometry::LineString(ps) => ps.iter_mut().try_for_each(one),
            Geometry::MultiLineString(ls) | Geometry::Polygon(ls) => {
                ls.iter_mut().flatten().try_for_each(one)
            }
            Geometry::MultiPolygon(ps) => ps.iter_mut().flatten().flatten().try_for_each(one),
            Geometry::Collection(gs) => gs.iter_mut().try_for_each(|g| g.map_positions(f)),
        }
    }

    /// The first position (to tell a layer's coordinate system).
    pub fn first(&self) -> Option<Pos> {
        match self {
            Geometry::Point(p) => Some(*p),
            Geometry::MultiPoint(ps) | Geometry::LineString(ps) => ps.first().copied(),
            Geometry::MultiLineString(ls) | Geometry::Polygon(ls) => {
                ls.iter().flatten().next().copied()
            }
            Geometry::MultiPolygon(ps) => ps.iter().flatten().flatten().next().copied(),
            Geometry::Collection(gs) => gs.iter().find_map(Geometry::first),
        }
    }

    pub fn is_point(&self) -> bool {
        matches!(self, Geometry::Point(_))
    }

    /// West, south, east, north.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut any = false;
        self.each(&mut |p| {
            any = true;
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        });
        any.then_some(b)
    }

    fn each(&self, f: &mut dyn FnMut(&Pos)) {
        match self {
            Geometry::Point(p) => f(p),
            Geometry::MultiPoint(ps) | Geometry::LineString(ps) => ps.iter().for_each(f),
            Geometry::MultiLineString(ls) | Geometry::Polygon(ls) => {
                ls.iter().flatten().for_each(f)
            }
            Geometry::MultiPolygon(ps) => ps.iter().flatten().flatten().for_each(f),
            Geometry::Collection(gs) => gs.iter().for_each(|g| g.each(f)),
        }
    }

    /// Checks and tidies a geometry in WGS 84: repeated consecutive
    /// positions dropped, lines of two positions or more, rings closed, of
    /// four or more and not crossing themselves or each other, outer rings
    /// counter-clockwise and holes clockwise (RFC 7946).
    pub fn validate(&mut self) -> Result<(), Problem> {
        match self {
            Geometry::Point(_) => Ok(()),
            Geometry::MultiPoint(ps) => {
                if ps.is_empty() {
                    Err("gis_geometry_empty")
                } else {
                    Ok(())
                }
            }
            Geometry::LineString(ps) => check_line(ps),
            Geometry::MultiLineString(ls) => {
                if ls.is_empty() {
                    return Err("gis_geometry_empty");
                }
                ls.iter_mut().try_for_each(check_line)
            }
            Geometry::Polygon(rings) => check_polygon(rings),
            Geometry::MultiPolygon(ps) => {
                if ps.is_empty() {
                    return Err("gis_geometry_empty");
                }
                ps.iter_mut().try_for_each(|p| check_polygon(p))
            }
            Geometry::Collection(gs) => {
                if gs.is_empty() {
                    return Err("gis_geometry_empty");
                }
                gs.iter_mut().try_for_each(Geometry::validate)
            }
        }
    }

    /// GeoJSON text, positions to seven decimals (about a centimetre).
    pub fn to_geojson(&self) -> String {
        let mut s = String::with_capacity(64);
        self.write_geojson(&mut s);
        s
    }

    fn write_geojson(&self, s: &mut String) {
        let (kind, body): (&str, &dyn Fn(&mut String)) = match self {
            Geometry::Point(p) => ("Point", &move |s: &mut String| write_pos(s, p)),
            Geometry::MultiPoint(ps) => ("MultiPoint", &move |s: &mut String| write_line(s, ps)),
            Geometry::LineString(ps) => ("LineString", &move |s: &mut String| write_line(s, ps)),
            Geometry::MultiLineString(ls) => {
                ("MultiLineString", &move |s: &mut String| write_lines(s, ls))
            }
            Geometry::Polygon(ls) => ("Polygon", &move |s: &mut String| write_lines(s, ls)),
            Geometry::MultiPolygon(ps) => ("MultiPolygon", &move |s: &mut String| {
                s.push('[');
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    write_lines(s, p);
                }
                s.push(']');
            }),
            Geometry::Collection(gs) => {
                s.push_str(r#"{"type":"GeometryCollection","geometries":["#);
                for (i, g) in gs.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    g.write_geojson(s);
                }
                s.push_str("]}");
                return;
            }
        };
        s.push_str(r#"{"type":""#);
        s.push_str(kind);
        s.push_str(r#"","coordinates":"#);
        body(s);
        s.push('}');
    }

    /// Well-known text (`POINT (13.41 50.46)`), for the CSV distribution.
    pub fn to_wkt(&self) -> String {
        let mut s = String::new();
        self.write_wkt(&mut s);
        s
    }

    fn write_wkt(&self, s: &mut String) {
        fn seq(s: &mut String, ps: &[Pos]) {
            s.push('(');
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&num(p[0]));
                s.push(' ');
                s.push_str(&num(p[1]));
            }
            s.push(')');
        }
        fn seqs(s: &mut String, ls: &[Vec<Pos>]) {
            s.push('(');
            for (i, l) in ls.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                seq(s, l);
            }
            s.push(')');
        }
        match self {
            Geometry::Point(p) => {
                s.push_str("POINT ");
                seq(s, std::slice::from_ref(p));
            }
            Geometry::MultiPoint(ps) => {
                s.push_str("MULTIPOINT ");
                seq(s, ps);
            }
            Geometry::LineString(ps) => {
                s.push_str("LINESTRING ");
                seq(s, ps);
            }
            Geometry::MultiLineString(ls) => {
                s.push_str("MULTILINESTRING ");
                seqs(s, ls);
            }
            Geometry::Polygon(ls) => {
                s.push_str("POLYGON ");
                seqs(s, ls);
            }
            Geometry::MultiPolygon(ps) => {
                s.push_str("MULTIPOLYGON (");
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    seqs(s, p);
                }
                s.push(')');
            }
            Geometry::Collection(gs) => {
                s.push_str("GEOMETRYCOLLECTION (");
                for (i, g) in gs.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    g.write_wkt(s);
                }
                s.push(')');
            }
        }
    }
}

/// A coordinate to seven decimals, without trailing zeros.
pub fn num(v: f64) -> String {
    let mut t = format!("{v:.7}");
    while t.ends_with('0') {
        t.pop();
    }
    if t.ends_with('.') {
        t.pop();
    }
    if t == "-0" {
        t = "0".into();
    }
    t
}

fn write_pos(s: &mut String, p: &Pos) {
    s.push('[');
    s.push_str(&num(p[0]));
    s.push(',');
    s.push_str(&num(p[1]));
    s.push(']');
}

fn write_line(s: &mut String, ps: &[Pos]) {
    s.push('[');
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        write_pos(s, p);
    }
    s.push(']');
}

fn write_lines(s: &mut String, ls: &[Vec<Pos>]) {
    s.push('[');
    for (i, l) in ls.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        write_line(s, l);
    }
    s.push(']');
}

fn dedup(ps: &mut Vec<Pos>) {
    ps.dedup_by(|a, b| a == b);
}

fn check_line(ps: &mut Vec<Pos>) -> Result<(), Problem> {
    dedup(ps);
    if ps.len() < 2 {
        return Err("gis_line_too_short");
    }
    Ok(())
}

/// Twice the signed area: positive when counter-clockwise.
fn signed_area(ring: &[Pos]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn check_polygon(rings: &mut [Vec<Pos>]) -> Result<(), Problem> {
    if rings.is_empty() {
        return Err("gis_geometry_empty");
    }
    for ring in rings.iter_mut() {
        dedup(ring);
        if ring.first() != ring.last() {
            return Err("gis_ring_not_closed");
        }
        if ring.len() < 4 {
            return Err("gis_ring_too_short");
        }
    }
    if self_intersects(rings) {
        return Err("gis_self_intersection");
    }
    for (i, ring) in rings.iter_mut().enumerate() {
        let area = signed_area(ring);
        if area == 0.0 {
            return Err("gis_ring_degenerate");
        }
        // The outer ring counter-clockwise, holes clockwise.
        if (i == 0) != (area > 0.0) {
            ring.reverse();
        }
    }
    Ok(())
}

fn orient(p: Pos, q: Pos, r: Pos) -> f64 {
    (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
}

fn on_segment(p: Pos, q: Pos, r: Pos) -> bool {
    r[0] >= p[0].min(q[0])
        && r[0] <= p[0].max(q[0])
        && r[1] >= p[1].min(q[1])
        && r[1] <= p[1].max(q[1])
}

/// Whether segments `ab` and `cd` meet at all (touching counts).
fn meet(a: Pos, b: Pos, c: Pos, d: Pos) -> bool {
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0))
        && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))
    {
        return true;
    }
    (o1 == 0.0 && on_segment(a, b, c))
        || (o2 == 0.0 && on_segment(a, b, d))
        || (o3 == 0.0 && on_segment(c, d, a))
        || (o4 == 0.0 && on_segment(c, d, b))
}

/// Whether the rings of a polygon cross themselves or each other. Two
/// segments next to each other in a ring share their end and nothing
/// more, unless they fold back on themselves; rings of one polygon may
/// touch at a point but not cross. Segments are paired through an R-tree
/// of their boxes, so a ring of 100,000 positions is checked in
/// milliseconds, not hours.
fn self_intersects(rings: &[Vec<Pos>]) -> bool {
    struct Seg {
        ring: usize,
        index: usize,
        len: usize,
        a: Pos,
        b: Pos,
    }
    let mut segs = Vec::new();
    for (r, ring) in rings.iter().enumerate() {
        let len = ring.len() - 1;
        for (i, w) in ring.windows(2).enumerate() {
            segs.push(Seg {
                ring: r,
                index: i,
                len,
                a: w[0],
                b: w[1],
            });
        }
    }
    let conflict = |s: &Seg, t: &Seg| -> bool {
        if s.ring != t.ring {
            // Rings may touch, not cross.
            let (o1, o2) = (orient(s.a, s.b, t.a), orient(s.a, s.b, t.b));
            let (o3, o4) = (orient(t.a, t.b, s.a), orient(t.a, t.b, s.b));
            return o1 * o2 < 0.0 && o3 * o4 < 0.0;
        }
        let gap = s.index.abs_diff(t.index);
        let adjacent = gap == 1 || gap == s.len - 1;
        if adjacent {
            // They share one end; they must not overlap beyond it.
            let (shared, far_s, far_t) = if s.b == t.a {
                (s.b, s.a, t.b)
            } else {
                (s.a, s.b, t.a)
            };
            return orient(shared, far_s, far_t) == 0.0
                && (on_segment(shared, far_s, far_t) || on_segment(shared, far_t, far_s));
        }
        meet(s.a, s.b, t.a, t.b)
    };
    if segs.len() <= 64 {
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if conflict(&segs[i], &segs[j]) {
                    return true;
                }
            }
        }
        return false;
    }
    use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| GeomWithData::new(Rectangle::from_corners(s.a, s.b), i))
        .collect();
    let tree = RTree::bulk_load(boxes);
    for (i, s) in segs.iter().enumerate() {
        let env = AABB::from_corners(s.a, s.b);
        for hit in tree.locate_in_envelope_intersecting(&env) {
            if hit.data > i && conflict(s, &segs[hit.data]) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;
    use serde_json::json;

    fn geom(v: Value) -> Result<Geometry, Problem> {
        let mut g = from_geojson(&v)?;
        g.validate()?;
        Ok(g)
    }

    #[test]
    fn polygons_are_checked_and_turned_counter_clockwise() {
        let square = json!({"type": "Polygon", "coordinates": [[[0,0],[0,1],[1,1],[1,0],[0,0]]]});
        let g = geom(square).unwrap();
        assert_eq!(
            g.to_geojson(),
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#
        );
        let bowtie = json!({"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]});
        assert_eq!(geom(bowtie), Err("gis_self_intersection"));
        let open = json!({"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1]]]});
        assert_eq!(geom(open), Err("gis_ring_not_closed"));
        let spike = json!({"type": "Polygon", "coordinates": [[[0,0],[2,0],[1,0],[1,1],[0,0]]]});
        assert_eq!(geom(spike), Err("gis_self_intersection"));
    }

    #[test]
    fn a_long_ring_that_crosses_itself_is_found() {
        // A circle of 5,000 positions with one position pulled across.
        let n = 5000;
        let mut ring: Vec<Value> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                json!([a.cos(), a.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let good = json!({"type": "Polygon", "coordinates": [ring.clone()]});
        assert!(geom(good).is_ok());
        ring[10] = json!([-2.0, 0.0]);
        let bad = json!({"type": "Polygon", "coordinates": [ring]});
        assert_eq!(geom(bad), Err("gis_self_intersection"));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = json!({"type": "Point", "coordinates": [1, 2]});
        for _ in 0..(MAX_NESTING + 1) {
            v = json!({"type": "GeometryCollection", "geometries": [v]});
        }
        assert_eq!(geom(v), Err("gis_geometry_too_deep"));
    }

    #[test]
    fn wkt_of_each_kind() {
        let g = geom(json!({"type": "MultiPoint", "coordinates": [[1.5, 2], [3, 4.25]]})).unwrap();
        assert_eq!(g.to_wkt(), "MULTIPOINT (1.5 2, 3 4.25)");
        assert_eq!(num(13.123456789), "13.1234568");
    }
}
