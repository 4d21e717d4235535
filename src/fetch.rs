//! The one HTTP client for URLs that users give: harvest sources, the
//! dataset IRIs a harvested document lists, and whatever later fetches a
//! user-given URL (sensor feeds, link checks). A user-given URL must not
//! become a way into the machine or its network (SSRF): the host is
//! resolved once, every address it resolves to must be public (or on the
//! operator's allow-list), the connection goes to the address that was
//! checked, and every redirect hop is resolved and checked the same way.
//! Failures say "unreachable", never what the connection attempt learned
//! (an open or closed port, an internal host name).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// An address block the operator allows despite being private, for an
/// intranet catalog (`RADNICE_FETCH_ALLOW=10.20.0.0/16,192.168.5.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0..={max}"))?,
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv6 address that carries an IPv4 one (mapped, NAT64) is judged as
/// that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            // 64:ff9b::/96, the well-known NAT64 prefix.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        v4 => v4,
    }
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local (cloud metadata lives there), shared (CGNAT), unspecified,
/// multicast, broadcast, documentation, benchmarking or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0])
}

/// Which addresses may be fetched: public ones, and the allow-list.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub allow: Vec<Cidr>,
}

impl Policy {
    pub fn allows(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allow.iter().any(|c| c.contains(ip))
    }
}

const REFUSED: &str = "radnice: address not allowed";

/// Resolves as usual, then refuses the lookup unless every address passes
/// the policy. ureq connects only to what the resolver returned, so the
/// address checked is the address used (no second lookup to rebind).
#[derive(Debug)]
struct Guard {
    policy: Arc<Policy>,
    inner: DefaultResolver,
}

impl Resolver for Guard {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if addrs.iter().all(|a| self.policy.allows(a.ip())) {
            Ok(addrs)
        } else {
            Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                REFUSED,
            )))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not an http(s) URL.
    BadUrl,
    /// The host resolves to an address the policy refuses.
    Refused,
    /// Any failure to connect or to read: no details, on purpose.
    Unreachable,
    /// The server answered with this status.
    Status(u16),
    /// The answer is larger than allowed (bytes).
    TooLarge(u64),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl => write!(f, "not an http(s) URL"),
            FetchError::Refused => write!(
                f,
                "address not allowed (loopback, private or link-local network)"
            ),
            FetchError::Unreachable => write!(f, "source unreachable"),
            FetchError::Status(s) => write!(f, "the source answered HTTP {s}"),
            FetchError::TooLarge(n) => write!(f, "larger than {n} bytes"),
        }
    }
}

impl std::error::Error for FetchError {}

/// What a fetch brought.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

/// The client. Cheap to clone (one connection pool, shared).
#[derive(Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fetcher")
    }
}

impl Default for Fetcher {
    /// Public addresses only.
    fn default() -> Self {
        Fetcher::new(Policy::default())
    }
}

impl Fetcher {
    pub fn new(policy: Policy) -> Fetcher {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(10)))
            .user_agent("radnice")
            // A proxy from the environment would be resolved instead of the
            // target, and would fetch internal addresses for us.
            .proxy(None)
            .max_redirects(5)
            .http_status_as_error(false)
            .build();
        let guard = Guard {
            policy: Arc::new(policy),
            inner: DefaultResolver::default(),
        };
        Fetcher {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), guard),
        }
    }

    /// GETs `url`, reading at most `max_bytes` of the answer.
    pub fn get(&self, url: &str, accept: &str, max_bytes: u64) -> Result<Fetched, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::BadUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(FetchError::BadUrl);
        }
        let mut res = self
            .agent
            .get(parsed.as_str())
            .header("Accept", accept)
            .call()
            .map_err(|e| classify(&e))?;
        let status = res.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status));
        }
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = res
            .body_mut()
            .with_config()
            .limit(max_bytes)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge(max_bytes),
                other => classify(&other),
            })?;
        Ok(Fetched {
            bytes,
            content_type,
        })
    }
}

fn classify(e: &ureq::Error) -> FetchError {
    match e {
        ureq::Error::Io(io) if io.to_string() == REFUSED => FetchError::Refused,
        ureq::Error::BadUri(_) => FetchError::BadUrl,
        _ => FetchError::Unreachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn internal_addresses_are_refused_public_ones_pass() {
        for internal in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(internal)), "{internal} must be refused");
        }
        for public in [
            "185.8.238.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4014::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn a_numeric_host_is_the_address_it_spells() {
        // 2130706433 is 127.0.0.1; the URL parser reads it as such, and so
        // does the resolver, which the policy sees after it.
        let url = url::Url::parse("http://2130706433/").ok();
        let host = url.as_ref().and_then(|u| u.host_str()).unwrap_or_default();
        assert_eq!(host, "127.0.0.1");
        assert!(!is_public(ip(host)));
    }

    #[test]
    fn the_allow_list_lets_an_intranet_through_and_nothing_else() {
        let policy = Policy {
            allow: vec![
                Cidr::parse("10.20.0.0/16").unwrap_or(Cidr {
                    net: ip("0.0.0.0"),
                    prefix: 32,
                }),
                Cidr::parse("fd00::1").unwrap_or(Cidr {
                    net: ip("0.0.0.0"),
                    prefix: 32,
                }),
            ],
        };
        assert!(policy.allows(ip("10.20.3.4")));
        assert!(!policy.allows(ip("10.21.0.1")));
        assert!(policy.allows(ip("fd00::1")));
        assert!(!policy.allows(ip("fd00::2")));
        assert!(!policy.allows(ip("127.0.0.1")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("intranet").is_err());
        assert_eq!(
            Cidr::parse("0.0.0.0/0").map(|c| c.contains(ip("1.2.3.4"))),
            Ok(true)
        );
    }

    #[test]
    fn bad_urls_are_refused_without_a_connection() {
        let f = Fetcher::default();
        for url in ["file:///etc/passwd", "gopher://x/", "not a url", "http://"] {
            assert_eq!(
                f.get(url, "*/*", 10).err(),
                Some(FetchError::BadUrl),
                "{url}"
            );
        }
    }
}

/// A source URL as the public may see it: without userinfo, and with the
/// values of query parameters that look like secrets (`apikey`, `token`,
/// `password`, …) replaced. Anything that does not parse is shown as its
/// scheme and host only, or not at all.
pub fn public_location(location: &str) -> String {
    let Ok(mut url) = url::Url::parse(location) else {
        // Not a URL: an upload's name (`soubor:…`), shown as it is.
        return if location.contains("://") {
            String::new()
        } else {
            location.to_string()
        };
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let secret = |k: &str| {
        let k = k.to_ascii_lowercase();
        [
            "key",
            "token",
            "secret",
            "pass",
            "pwd",
            "auth",
            "sig",
            "session",
            "credential",
        ]
        .iter()
        .any(|s| k.contains(s))
    };
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "…".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod public_location_tests {
    use super::public_location;

    #[test]
    fn secrets_in_a_source_url_are_not_shown() {
        let shown = public_location(
            "http://user:pass@example.org/c.ttl?apikey=s3cret&format=ttl&Access_Token=x",
        );
        assert!(!shown.contains("user") && !shown.contains("pass@") && !shown.contains("s3cret"));
        assert!(!shown.contains("=x"), "{shown}");
        assert!(shown.contains("format=ttl") && shown.starts_with("http://example.org/c.ttl?"));
        assert_eq!(
            public_location("soubor:katalog.ttl#ab12cd34"),
            "soubor:katalog.ttl#ab12cd34"
        );
    }
}
