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

    /// `Err(seconds)` when the caller must wait.
    pub fn check(&self, account: &str, addr: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = map.get_mut(&Self::key(account, addr)) else {
            return Ok(());
        };
        list.retain(|t| now.duration_since(*t) < WINDOW);
        if list.len() >= self.limit {
            let oldest = list.first().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        Ok(())
    }

    pub fn fail(&self, account: &str, addr: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep the map small: forget keys whose failures are all stale.
        if map.len() > 10_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(Self::key(account, addr)).or_default().push(now);
    }

    pub fn succeed(&self, account: &str, addr: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::key(account, addr));
    }
}
