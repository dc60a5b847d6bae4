//! Check results from stdin (send_nsca's delimited records, or JSON lines)
//! and their validation. One bad record is reported with its number and
//! never stops the others.

use super::packet::{CheckResult, Format, field_limits};

/// A record that cannot be sent, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRecord {
    /// 1-based position in the input.
    pub number: usize,
    pub reason: String,
}

/// A field that did not fit and was cut.
#[derive(Debug, PartialEq, Eq)]
pub struct Truncation {
    pub number: usize,
    pub field: &'static str,
    pub length: usize,
    pub limit: usize,
}

/// Everything read from the input, in order.
#[derive(Debug, Default)]
pub struct Parsed {
    pub results: Vec<CheckResult>,
    pub bad: Vec<BadRecord>,
    pub truncated: Vec<Truncation>,
    /// Records whose output holds a newline and then what looks like a
    /// whole record: most likely two records meant to be split by lines.
    pub merged: Vec<usize>,
}

const FIELD_NAMES: [&str; 3] = ["host name", "service description", "plugin output"];

/// Splits `data` into send_nsca records: `separator` between records,
/// `delimiter` between fields. `host rc output` is a host check and
/// `host service rc output` a service check; the output keeps any further
/// delimiters. Line endings around a record and blanks at the end of the
/// output are dropped; blank records are skipped but counted, so a record's
/// number is its place in the input (its line number with `-ds 0x0a`).
pub fn parse_delimited(data: &[u8], delimiter: u8, separator: u8, format: Format) -> Parsed {
    let mut parsed = Parsed::default();
    let records = data
        .split(|&b| b == separator)
        .map(trim_line_ends)
        .enumerate()
        .filter(|(_, r)| !r.iter().all(u8::is_ascii_whitespace));
    for (index, record) in records {
        let number = index + 1;
        let fields: Vec<&[u8]> = record.splitn(4, |&b| b == delimiter).collect();
        let (host, service, code, output) = match fields[..] {
            // Trailing blanks of the output go, as send_nsca strips them.
            [host, code, output] => (host, &b""[..], code, output.trim_ascii_end()),
            [host, service, code, output] => (host, service, code, output.trim_ascii_end()),
            _ => {
                parsed.bad.push(BadRecord {
                    number,
                    reason: format!(
                        "{} field(s), expected `host rc output` or `host service rc output`",
                        fields.len()
                    ),
                });
                continue;
            }
        };
        let status = String::from_utf8_lossy(code);
        if separator != b'\n' && holds_a_record(output, delimiter) {
            parsed.merged.push(number);
        }
        parsed.add(number, host, service, status.trim(), output, format);
    }
    parsed
}

/// True when a line after the first of `output` is shaped like a whole
/// record: `HOST<D>RC<D>…` or `HOST<D>SERVICE<D>RC<D>…` with RC 0-3.
fn holds_a_record(output: &[u8], delimiter: u8) -> bool {
    output.split(|&b| b == b'\n').skip(1).any(|line| {
        let fields: Vec<&[u8]> = line.splitn(4, |&b| b == delimiter).collect();
        let is_code = |f: &[u8]| matches!(f.trim_ascii(), b"0" | b"1" | b"2" | b"3");
        match fields[..] {
            [host, code, _] => !host.is_empty() && is_code(code),
            [host, service, code, _] => !host.is_empty() && (is_code(code) || is_code(service)),
            _ => false,
        }
    })
}

/// One JSON object per line: `{"host", "service" (optional), "status", "output"}`.
pub fn parse_json(data: &[u8], format: Format) -> Parsed {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Record {
        host: String,
        #[serde(default)]
        service: String,
        status: serde_json::Value,
        #[serde(default)]
        output: String,
    }
    let mut parsed = Parsed::default();
    let lines = data
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace));
    for (index, line) in lines {
        let number = index + 1;
        match serde_json::from_slice::<Record>(line) {
            Ok(r) => {
                let status = match &r.status {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                parsed.add(
                    number,
                    r.host.as_bytes(),
                    r.service.as_bytes(),
                    &status,
                    r.output.as_bytes(),
                    format,
                );
            }
            Err(err) => parsed.bad.push(BadRecord {
                number,
                reason: format!("not a check result object: {err}"),
            }),
        }
    }
    parsed
}

impl Parsed {
    /// Validates one record's fields and keeps it, or records why not.
    pub fn add(
        &mut self,
        number: usize,
        host: &[u8],
        service: &[u8],
        status: &str,
        output: &[u8],
        format: Format,
    ) {
        match check(number, host, service, status, output, format) {
            Ok((result, cuts)) => {
                self.results.push(result);
                self.truncated.extend(cuts);
            }
            Err(reason) => self.bad.push(BadRecord { number, reason }),
        }
    }
}

/// A result read back from the spool, checked exactly as a record of stdin
/// (and cut to the packet's limits with the same report).
pub(crate) fn validate(
    result: &CheckResult,
    format: Format,
) -> Result<(CheckResult, Vec<Truncation>), String> {
    let status = result.status.to_string();
    check(
        0,
        &result.host,
        &result.service,
        &status,
        &result.output,
        format,
    )
}

/// A host name and service description the protocols can carry: no NUL,
/// no control byte, no `;` (it separates the fields of the command the
/// daemon writes).
pub(crate) fn check_names(host: &[u8], service: &[u8]) -> Result<(), String> {
    if host
        .iter()
        .chain(service)
        .any(|&b| b.is_ascii_control() || b == b';')
    {
        return Err("control character or `;` in the host name or service description".into());
    }
    Ok(())
}

/// The output with every NUL byte (which no protocol carries: NSCA's
/// fields are C strings) written as `\0`, and how many there were.
pub(crate) fn escape_nul(output: &[u8]) -> (Vec<u8>, usize) {
    let mut escaped = Vec::with_capacity(output.len());
    let mut count = 0;
    for &b in output {
        if b == 0 {
            escaped.extend(b"\\0");
            count += 1;
        } else {
            escaped.push(b);
        }
    }
    (escaped, count)
}

fn check(
    number: usize,
    host: &[u8],
    service: &[u8],
    status: &str,
    output: &[u8],
    format: Format,
) -> Result<(CheckResult, Vec<Truncation>), String> {
    if host.is_empty() {
        return Err("empty host name".into());
    }
    let status = parse_status(status)?;
    let mut fields = [host, service, output];
    for (field, name) in fields.iter().zip(FIELD_NAMES) {
        if field.contains(&0) {
            return Err(format!("NUL byte in the {name}"));
        }
    }
    check_names(host, service)?;
    let mut cuts = Vec::new();
    let limits = field_limits(format);
    for ((field, name), limit) in fields.iter_mut().zip(FIELD_NAMES).zip(limits) {
        if field.len() > limit {
            cuts.push(Truncation {
                number,
                field: name,
                length: field.len(),
                limit,
            });
            *field = cut_at_char_boundary(field, limit);
        }
    }
    let [host, service, output] = fields.map(<[u8]>::to_vec);
    Ok((
        CheckResult {
            host,
            service,
            status,
            output,
        },
        cuts,
    ))
}

/// Nagios return codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
fn parse_status(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(code @ 0..=3) => Ok(code),
        _ => Err(format!(
            "return code `{}` is not 0, 1, 2 or 3",
            text.escape_debug()
        )),
    }
}

/// The longest prefix of at most `limit` bytes that does not end inside a
/// UTF-8 sequence (bytes that are not UTF-8 are cut anywhere).
pub fn cut_at_char_boundary(bytes: &[u8], limit: usize) -> &[u8] {
    let mut end = limit.min(bytes.len());
    if std::str::from_utf8(bytes).is_ok() || std::str::from_utf8(&bytes[..end]).is_err() {
        while end > 0 && end < bytes.len() && (bytes[end] & 0xc0) == 0x80 {
            end -= 1;
        }
    }
    &bytes[..end]
}

fn trim_line_ends(record: &[u8]) -> &[u8] {
    let is_eol = |b: &u8| *b == b'\n' || *b == b'\r';
    let start = record
        .iter()
        .position(|b| !is_eol(b))
        .unwrap_or(record.len());
    let end = record
        .iter()
        .rposition(|b| !is_eol(b))
        .map_or(start, |i| i + 1);
    &record[start..end]
}

/// What NSCA clients before 2.10.1 did: `\` and newlines escaped on the
/// client, since those servers wrote the output as it came.
pub(crate) fn escape_output(output: &[u8], limit: usize) -> Vec<u8> {
    let mut escaped = Vec::with_capacity(output.len());
    for &b in output {
        match b {
            b'\\' => escaped.extend(b"\\\\"),
            b'\n' => escaped.extend(b"\\n"),
            _ => escaped.push(b),
        }
    }
    cut_at_char_boundary(&escaped, limit).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(data: &[u8]) -> Parsed {
        parse_delimited(data, b'\t', 0x17, Format::V3)
    }

    #[test]
    fn host_and_service_checks() {
        let p = parse(b"web\tHTTP\t2\tdown\tmore\n\x17db\t0\tup\n");
        assert!(p.bad.is_empty());
        assert_eq!(p.results[0].service, b"HTTP");
        assert_eq!(p.results[0].output, b"down\tmore");
        assert_eq!(p.results[1].service, b"");
        assert_eq!(p.results[1].output, b"up");
    }

    #[test]
    fn empty_fields_are_kept() {
        let p = parse(b"web\tHTTP\t1\t\n");
        assert_eq!(p.results[0].service, b"HTTP");
        assert_eq!(p.results[0].output, b"");
        let p = parse(b"web\t\t1\tx");
        assert_eq!(p.results[0].service, b"");
        assert_eq!(p.results[0].output, b"x");
    }

    #[test]
    fn bad_records_are_numbered_and_the_rest_kept() {
        let p = parse(b"a\x17a\tb\x17a\tb\tc\tX\x17a\t7\tout\x17ok\t0\tfine\x17n\tul\t0\tx\0y");
        let numbers: Vec<usize> = p.bad.iter().map(|b| b.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 6]);
        assert!(p.bad[2].reason.contains("`c`"), "{:?}", p.bad[2]);
        assert!(p.bad[4].reason.contains("NUL"));
        assert_eq!(p.results.len(), 1);
        assert_eq!(p.results[0].host, b"ok");
    }

    #[test]
    fn records_are_numbered_as_lines_and_control_bytes_refused() {
        let p = parse_delimited(
            b"\n\nh\t0\tok\n\nbad\n\x1b[2Jh\t0\tx\nh\ts\x07\t0\tx\n",
            b'\t',
            b'\n',
            Format::V3,
        );
        let numbers: Vec<usize> = p.bad.iter().map(|b| b.number).collect();
        assert_eq!(numbers, [5, 6, 7]);
        assert!(p.bad[1].reason.contains("control"), "{:?}", p.bad[1]);
        assert_eq!(p.results.len(), 1);
    }

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        let mut record = b"h\ts\t0\t".to_vec();
        record.extend("é".repeat(3000).as_bytes());
        let p = parse(&record);
        assert_eq!(p.truncated.len(), 1);
        assert_eq!(p.truncated[0].length, 6000);
        assert_eq!(p.results[0].output.len(), 4094);
        assert!(std::str::from_utf8(&p.results[0].output).is_ok());
        assert_eq!(cut_at_char_boundary(&[0xff; 10], 4).len(), 4);
    }

    #[test]
    fn json_lines() {
        let p = parse_json(
            b"{\"host\":\"a\",\"service\":\"s\",\"status\":2,\"output\":\"o\"}\n{\"host\":\"b\",\"status\":\"0\"}\nnope\n",
            Format::V3,
        );
        assert_eq!(p.results.len(), 2);
        assert_eq!(p.results[0].status, 2);
        assert_eq!(p.results[1].service, b"");
        assert_eq!(p.bad[0].number, 3);
    }

    #[test]
    fn client_side_escaping() {
        assert_eq!(escape_output(b"a\\b\nc", 100), b"a\\\\b\\nc");
        assert_eq!(escape_output(b"\n\n", 3), b"\\n\\");
    }

    #[test]
    fn a_newline_before_something_shaped_like_a_record_is_noted() {
        let p = parse(b"web01\tdisk\t0\tok one\nweb02\tdisk\t2\tcrit two\n\x17h\t0\ta\nb\n\x17h\ts\t0\tx\ny\t1\tz");
        assert_eq!(p.merged, [1, 3]);
        assert_eq!(p.results[0].output, b"ok one\nweb02\tdisk\t2\tcrit two");
        let lines = parse_delimited(b"a\t0\tb\nc\t0\td\n", b'\t', b'\n', Format::V3);
        assert!(lines.merged.is_empty());
    }
}
