//! Reading the TSV test data of tests/data (ftfy's cases and the corpora).

/// Undoes the TSV escaping: `\\`, `\t`, `\n`, `\r` and `\u{HEX}`.
pub fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('u') => {
                assert_eq!(chars.next(), Some('{'), "bad escape in {field}");
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                out.push(char::from_u32(code).expect("valid code point"));
            }
            other => panic!("unknown escape \\{other:?} in {field}"),
        }
    }
    out
}

/// The rows of tests/data/NAME as maps from column name to unescaped value.
pub fn read_tsv(name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let path = crate::repo_root().join("tests/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    let mut lines = text.split('\n').filter(|l| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split('\t')
        .map(String::from)
        .collect();
    lines
        .enumerate()
        .map(|(n, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), header.len(), "{name}:{}: column count", n + 2);
            header
                .iter()
                .cloned()
                .zip(fields.iter().map(|f| unescape(f)))
                .collect()
        })
        .collect()
}
