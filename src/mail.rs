//! Mail the portal sends (a password-reset link today; the strategy
//! cycle's reminders later), through the SMTP relay the configuration names.
//! Without one nothing is sent, and the caller shows the admin what would
//! have been mailed.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

/// How the relay is reached, read from its URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Relay {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Security {
    /// A local relay or a test sink: no TLS.
    Plain,
    StartTls,
    Tls,
}

impl Relay {
    pub fn parse(url: &str) -> Result<Relay, String> {
        let u = url::Url::parse(url).map_err(|e| e.to_string())?;
        let (security, default_port) = match u.scheme() {
            "smtp" => (Security::Plain, 25),
            "smtp+starttls" => (Security::StartTls, 587),
            "smtps" => (Security::Tls, 465),
            other => {
                return Err(format!(
                    "the scheme must be smtp, smtp+starttls or smtps, not {other:?}"
                ));
            }
        };
        let host = u.host_str().ok_or("no host")?.to_string();
        let credentials = (!u.username().is_empty()).then(|| {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (
                decode(u.username()),
                decode(u.password().unwrap_or_default()),
            )
        });
        Ok(Relay {
            host,
            port: u.port().unwrap_or(default_port),
            security,
            credentials,
        })
    }

    fn transport(&self) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
        let mut b = match self.security {
            Security::Plain => SmtpTransport::builder_dangerous(&self.host),
            Security::StartTls => SmtpTransport::starttls_relay(&self.host)?,
            Security::Tls => SmtpTransport::relay(&self.host)?,
        }
        .port(self.port)
        .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some((user, pass)) = &self.credentials {
            b = b.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(b.build())
    }
}

/// One plain-text message.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends `mail` through the configured relay; `Ok(false)` when none is
/// configured. Blocking: call it off the request's thread.
pub fn send(config: &crate::Config, mail: &Mail) -> anyhow::Result<bool> {
    let Some(url) = &config.smtp_url else {
        return Ok(false);
    };
    let relay = Relay::parse(url).map_err(|e| anyhow::anyhow!("smtp url: {e}"))?;
    let from: Mailbox = config.mail_from.parse()?;
    let message = Message::builder()
        .from(from)
        .to(mail.to.parse()?)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())?;
    relay.transport()?.send(&message)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_urls_say_how_to_reach_the_relay() {
        assert_eq!(
            Relay::parse("smtp://127.0.0.1:2525"),
            Ok(Relay {
                host: "127.0.0.1".into(),
                port: 2525,
                security: Security::Plain,
                credentials: None
            })
        );
        let r = Relay::parse("smtp+starttls://portal%40chomutov.cz:tajne%21@smtp.chomutov.cz")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.port, 587);
        assert_eq!(
            r.credentials,
            Some(("portal@chomutov.cz".into(), "tajne!".into()))
        );
        assert!(Relay::parse("http://smtp.example.cz").is_err());
    }
}
