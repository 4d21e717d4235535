//! Bounds on hostile input that no parser checks for us: how deep a text
//! nests before a recursive parser (SPARQL, Turtle, JSON-LD) walks into it.
//! Each recursion level costs stack; 10,000 brackets in a few kilobytes
//! would overflow any thread's stack and abort the whole process, so every
//! public input is measured with these before it is parsed.

/// How deep a document harvested or uploaded may nest (JSON-LD objects and
/// arrays, Turtle blank nodes and lists). Real DCAT documents nest less
/// than ten levels.
pub const MAX_DOCUMENT_DEPTH: usize = 100;

/// The deepest bracket nesting (`( { [`) of a SPARQL or Turtle text,
/// skipping strings, IRIs and comments (a `#` in an IRI is not a comment, a
/// `(` in a string is no bracket). Both grammars share these tokens.
pub fn bracket_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut i, mut depth, mut max) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'(' | b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' => {
                // An IRI runs to `>` without white space or another `<`;
                // otherwise this is the less-than operator.
                let mut j = i + 1;
                while j < b.len() && !matches!(b[j], b'>' | b'<' | b' ' | b'\t' | b'\r' | b'\n') {
                    j += 1;
                }
                if j < b.len() && b[j] == b'>' {
                    i = j;
                }
            }
            q @ (b'"' | b'\'') => {
                let long = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
                i += if long { 3 } else { 1 };
                while i < b.len() {
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q
                        && (!long || (b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q)))
                    {
                        if long {
                            i += 2;
                        }
                        break;
                    }
                    if !long && b[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    max
}

/// The deepest nesting of objects and arrays in a JSON text, skipping
/// strings. Invalid JSON is measured all the same (the parser reports it).
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::{bracket_depth as nesting, json_depth};

    #[test]
    fn nesting_counts_brackets_but_not_in_strings_iris_or_comments() {
        assert_eq!(nesting("SELECT * WHERE { ?s ?p ?o }"), 1);
        assert_eq!(nesting("ASK { FILTER((1 < 2)) }"), 3);
        assert_eq!(nesting("ASK { ?s ?p \"((((\" }"), 1);
        assert_eq!(nesting("ASK { ?s ?p '''(\n((''' }"), 1);
        assert_eq!(nesting("ASK { ?s ?p \"a\\\"((\" }"), 1);
        assert_eq!(nesting("ASK { ?s <http://x/a#((((> ?o }"), 1);
        assert_eq!(nesting("ASK { ?s ?p ?o } # ((((\n"), 1);
        // `<` as an operator does not hide what follows it.
        assert_eq!(nesting("ASK { FILTER(?a < 2 && ((?b))) }"), 4);
        assert_eq!(nesting(&"(".repeat(10_000)), 10_000);
    }

    #[test]
    fn json_depth_counts_objects_and_arrays_outside_strings() {
        assert_eq!(json_depth(b"{\"a\": [1, {\"b\": 2}]}"), 3);
        assert_eq!(json_depth(b"{\"a\": \"[[[{{{\\\"[[\"}"), 1);
        assert_eq!(json_depth(b"12"), 0);
        assert_eq!(json_depth("[".repeat(5000).as_bytes()), 5000);
    }
}
