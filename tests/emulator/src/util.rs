//! Small shared helpers: the error type handlers return, JSON accessors, paging, ids, time.

use serde_json::{Map, Value};

/// A modeled error: the code (shape name), HTTP status and message, plus extra body members.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub extra: Vec<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }
    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }
}

pub type Res = Result<Value, ApiError>;

/// splitmix64: tiny, seedable, good enough for fault injection.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A UUID-shaped id from a counter (deterministic for a given order of creation).
pub fn uuid_from(n: u64) -> String {
    let mut r = Rng::new(n.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5eed);
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// FNV-1a, for deterministic derived ids.
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub fn iso_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn iso_in(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// ---- JSON accessors -----------------------------------------------------------------------

pub fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.get(k).filter(|x| !x.is_null())
}
pub fn get_str<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    get(v, k).and_then(Value::as_str)
}
pub fn get_bool(v: &Value, k: &str) -> Option<bool> {
    get(v, k).and_then(Value::as_bool)
}
pub fn get_i64(v: &Value, k: &str) -> Option<i64> {
    get(v, k).and_then(Value::as_i64)
}
pub fn get_arr<'a>(v: &'a Value, k: &str) -> Option<&'a Vec<Value>> {
    get(v, k).and_then(Value::as_array)
}
pub fn get_strs(v: &Value, k: &str) -> Option<Vec<String>> {
    get_arr(v, k).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

/// A JSON object from `(key, value)` pairs, in order. The values are moved in: `json!` takes an
/// expression's value by serialising it again, a deep copy of every object in a list.
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Inserts `v` under `k` unless it is None.
pub fn put_opt(m: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v.into());
    }
}

// ---- paging -------------------------------------------------------------------------------

/// One page of `items`. `token` is the caller's NextToken (our own format, `nt-<offset>`),
/// `max_results` what the caller asked for (validated against `model_max`), `page_size` the
/// emulator's cap. Errors are returned through `bad` so each protocol can shape them.
pub fn page<T: Clone>(
    items: &[T],
    token: Option<&str>,
    max_results: Option<i64>,
    model_max: i64,
    page_size: usize,
    bad: impl Fn(String) -> ApiError,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    page_iter(
        items.iter().cloned(),
        token,
        max_results,
        model_max,
        page_size,
        bad,
    )
}

/// [`page`] over an iterator, so that callers can page cheap references and build the answer
/// for the page's items only. One item past the page is looked at, to know whether there is
/// more.
pub fn page_iter<I: Iterator>(
    items: I,
    token: Option<&str>,
    max_results: Option<i64>,
    model_max: i64,
    page_size: usize,
    bad: impl Fn(String) -> ApiError,
) -> Result<(Vec<I::Item>, Option<String>), ApiError> {
    if let Some(m) = max_results
        && (m < 1 || m > model_max)
    {
        return Err(bad(format!(
            "MaxResults must be between 1 and {model_max}, got {m}"
        )));
    }
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("nt-")
            .and_then(|n| n.parse::<usize>().ok())
            // Past the end (a list that shrank between pages) the page is empty and the last.
            .ok_or_else(|| bad(format!("The NextToken `{t}` is not valid")))?,
    };
    let size = page_size
        .max(1)
        .min(max_results.map(|m| m as usize).unwrap_or(usize::MAX));
    let mut rest = items.skip(start);
    let items: Vec<I::Item> = rest.by_ref().take(size).collect();
    let next = rest
        .next()
        .is_some()
        .then(|| format!("nt-{}", start + items.len()));
    Ok((items, next))
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The partition of a region, as botocore's `partitions.json` defines them (`regionRegex`), and
/// its global region (`implicitGlobalRegion`), where Organizations has its endpoint and signs.
/// The emulator's own table, so that a product that got partitions wrong cannot agree with it.
pub fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "cn-northwest-1")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "us-gov-west-1")
    } else {
        ("aws", "us-east-1")
    }
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// One of shubctl's wire enums from a value the emulator holds. The emulator only ever stores
/// values its handlers accepted from the AWS model's enumerations, so one shubctl does not
/// know is a defect of the emulator, not an answer.
pub(crate) fn wire<T: std::str::FromStr<Err = String>>(value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|e| panic!("the emulator holds a value shubctl does not know: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_everything() {
        let items: Vec<u32> = (0..5).collect();
        let bad = |m: String| ApiError::new(400, "InvalidInputException", m);
        let mut tok = None;
        let mut all = Vec::new();
        loop {
            let (p, next) = page(&items, tok.as_deref(), None, 100, 2, bad).unwrap();
            assert!(p.len() <= 2);
            all.extend(p);
            match next {
                Some(t) => tok = Some(t),
                None => break,
            }
        }
        assert_eq!(all, items);
        assert!(page(&items, Some("bogus"), None, 100, 2, bad).is_err());
        assert!(page(&items, None, Some(101), 100, 2, bad).is_err());
        assert_eq!(page(&items, None, Some(1), 100, 2, bad).unwrap().0, vec![0]);
        // A token past the end of a list that shrank: an empty, last page.
        assert_eq!(
            page(&items, Some("nt-9"), None, 100, 2, bad).unwrap(),
            (vec![], None)
        );
        assert_eq!(
            page(&items, Some("nt-4"), None, 100, 2, bad).unwrap(),
            (vec![4], None)
        );
    }

    #[test]
    fn uuids_look_like_uuids() {
        let u = uuid_from(7);
        assert_eq!(u.len(), 36);
        assert_eq!(
            u.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert_ne!(uuid_from(1), uuid_from(2));
    }
}
