use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 10;

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id floor (19 MiB, 2 passes): strong enough, and a login
    // stays well under 100 ms on the 2-core machines this runs on.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Each hash costs tens of milliseconds and 19 MiB, so an anonymous
/// request must not make one unless it has earned it. A test watches one
/// password and counts the hashes made of it (others' hashes, in parallel
/// tests, do not count).
static WATCHED: std::sync::Mutex<Option<(String, u64)>> = std::sync::Mutex::new(None);

/// Starts counting the hashes of `password`.
pub fn watch(password: &str) {
    if let Ok(mut w) = WATCHED.lock() {
        *w = Some((password.to_string(), 0));
    }
}

/// How many hashes of the watched password were made since `watch`.
pub fn watched_hashes() -> u64 {
    WATCHED
        .lock()
        .ok()
        .and_then(|w| w.as_ref().map(|(_, n)| *n))
        .unwrap_or(0)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    if let Ok(mut w) = WATCHED.lock()
        && let Some((watched, n)) = w.as_mut()
        && watched == password
    {
        *n += 1;
    }
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt encoding failed: {e}"))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// `hash` on the blocking pool: Argon2 spends tens of milliseconds of CPU
/// and 19 MiB, which must not stall the async executor's other requests.
pub async fn hash_off_executor(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    actix_web::web::block(move || hash(&password))
        .await
        .map_err(|e| anyhow::anyhow!("password hashing task failed: {e}"))?
}

/// `verify` on the blocking pool (see `hash_off_executor`).
pub async fn verify_off_executor(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_string(), stored.to_string());
    actix_web::web::block(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, to spend the same time on an unknown
/// account as on a known one (no timing hint which part was wrong).
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("radnice-dummy-password").unwrap_or_default());
    let _ = verify(password, stored);
}

pub fn check_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_LENGTH {
        return Err("password_too_short");
    }
    Ok(())
}
