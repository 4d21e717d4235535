//! Login throttle: after N failures within a minute for one account from one
//! address, further attempts get 429 until the minute has passed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct LoginThrottle {
    limit: usize,
    failures: Mutex<HashMap<(String, String), Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(limit: usize) -> Self {
        LoginThrottle {
            limit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(account: &str, addr: &str) -> (String, String) {
        (account.trim().to_lowercase(), addr.to_string())
    }

    /// Reserves one attempt, counted as a failure until `succeed` says
    /// otherwise: the check and the count are one step under the lock, so
    /// parallel attempts cannot all pass the check before any is counted.
    /// `Err(seconds)` when the caller must wait.
    pub fn reserve(&self, account: &str, addr: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep the map small: forget keys whose failures are all stale.
        if map.len() > 10_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        let list = map.entry(Self::key(account, addr)).or_default();
        list.retain(|t| now.duration_since(*t) < WINDOW);
        if list.len() >= self.limit {
            let oldest = list.first().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        list.push(now);
        Ok(())
    }

    pub fn succeed(&self, account: &str, addr: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::key(account, addr));
    }
}
