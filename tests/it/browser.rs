//! Browser tests: the real app, headless Chromium driven through WebDriver
//! (Debian's chromium and chromium-driver), axe-core on every page visited.
//! Outside CI a missing browser is reported and the test does not run; under
//! CI=true it fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use radnice::auth::Role;

use crate::support::{PASSWORD, TestApp, in_ci, manifest_dir};

struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
    client: Client,
    axe: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(env: &str, candidates: &[&str]) -> Option<String> {
    if let Ok(p) = std::env::var(env) {
        return Some(p);
    }
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| c.to_string())
}

/// `None` (with a message) when the browser is missing outside CI.
async fn driver() -> Option<Driver> {
    let chromedriver = find_program("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    let chromium = find_program("CHROMIUM", &["/usr/bin/chromium"]);
    let axe_path = std::env::var("AXE_CORE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join("node_modules/axe-core/axe.min.js"));
    let (Some(chromedriver), Some(chromium), true) = (chromedriver, chromium, axe_path.exists())
    else {
        let msg = "browser tests need /usr/bin/chromium, /usr/bin/chromedriver and node_modules/axe-core (see README)";
        if in_ci() {
            panic!("{msg}");
        }
        eprintln!("NOT RUN: {msg}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile");
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                // Phones overlay their scroll bars: the page has the whole width.
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().expect("caps").clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = String::new();
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                let axe = std::fs::read_to_string(&axe_path).expect("axe-core");
                return Some(Driver {
                    child,
                    _profile: profile,
                    client,
                    axe,
                });
            }
            Err(e) => {
                last_err = e.to_string();
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("chromedriver did not start: {last_err}");
}

impl Driver {
    /// Runs axe-core on the current page; panics listing every WCAG 2.1 A/AA violation.
    async fn assert_accessible(&self, what: &str) {
        self.client
            .execute(&self.axe, vec![])
            .await
            .expect("inject axe-core");
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
              .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html + ' :: ' + n.failureSummary) })))))
              .catch(e => done('axe failed: ' + e));
        "#;
        let out = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe.run");
        let text = out.as_str().expect("axe result").to_string();
        assert!(!text.starts_with("axe failed"), "{what}: {text}");
        let violations: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            violations.as_array().map(Vec::len),
            Some(0),
            "{what}: accessibility violations: {violations:#}"
        );
    }

    async fn visit(&self, url: &str, what: &str) {
        self.client.goto(url).await.expect("goto");
        self.assert_accessible(what).await;
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"));
        el.clear().await.expect("clear");
        el.send_keys(value).await.expect("type");
    }

    async fn body_text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text")
    }

    /// After a click that loads a page: waits until the page shows `needle`.
    async fn wait_for_text(&self, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(text) = body.text().await
            {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}; it shows:\n{last}");
    }

    /// Waits until the page no longer shows `needle`; returns its text.
    async fn wait_until_gone(&self, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(text) = body.text().await
            {
                if !text.contains(needle) {
                    return text;
                }
                last = text;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page still shows {needle:?}:\n{last}");
    }
}

#[actix_web::test]
async fn home_page_in_both_languages_is_accessible() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    d.visit(&app.url("/"), "home (cs)").await;
    assert!(
        d.body_text()
            .await
            .contains("Otevřená data a ICT strategie města")
    );
    // The language switch is a link a keyboard user reaches and follows.
    d.client
        .find(Locator::Css("a.lang-switch"))
        .await
        .expect("switch")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Open data and the city's ICT strategy")
        .await;
    d.assert_accessible("home (en)").await;
    d.visit(
        &app.url("/strategies/chomutov-ict-2020-2024"),
        "strategy (en)",
    )
    .await;
    d.visit(&app.url("/data"), "data (en)").await;
    d.visit(&app.url("/datasets"), "datasets (en)").await;
    d.visit(&app.url("/datasets/kvalita-ovzdusi-pm10"), "dataset (en)")
        .await;
    d.visit(&app.url("/lang/cs?next=/publishers"), "publishers (cs)")
        .await;
    d.visit(&app.url("/api"), "api").await;
    d.visit(
        &app.url("/datasets?keyword=senzory"),
        "datasets filtered (cs)",
    )
    .await;
    assert!(d.body_text().await.contains("Nalezené datové sady: 4"));
    d.visit(&app.url("/datasets/pasport-zelene"), "dataset (cs)")
        .await;
    d.visit(&app.url("/neexistuje"), "404 page").await;
    d.visit(&app.url("/sparql"), "SPARQL editor").await;
    // The editor's query runs and shows its table (wait for the new page:
    // the click returns before the navigation ends).
    d.client
        .find(fantoccini::Locator::Css("button[type=submit]"))
        .await
        .expect("run button")
        .click()
        .await
        .expect("click");
    d.client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(fantoccini::Locator::Id("results-heading"))
        .await
        .expect("the results");
    d.assert_accessible("SPARQL results").await;
    assert!(d.body_text().await.contains("Počet řádků"));
    d.client.clone().close().await.expect("close");
}

#[actix_web::test]
async fn admin_logs_in_creates_a_user_and_logs_out() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    app.add_user("spravce@chomutov.test", PASSWORD, &[Role::Admin]);

    d.visit(&app.url("/login"), "login").await;
    d.fill("#email", "spravce@chomutov.test").await;
    d.fill("#password", PASSWORD).await;
    d.client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Odhlásit se").await;

    d.visit(&app.url("/admin/users"), "users").await;
    // A form error first: it must be shown per field and be accessible too.
    d.fill("#email", "spatny@email").await;
    d.fill("#display_name", "Petr Svoboda").await;
    d.fill("#password", "kratke").await;
    d.client
        .find(Locator::Css(
            "form[action='/admin/users'] button[type=submit]",
        ))
        .await
        .expect("b")
        .click()
        .await
        .expect("c");
    let text = d.wait_for_text("Heslo musí mít alespoň 10 znaků.").await;
    assert!(
        text.contains("Zadejte platnou e-mailovou adresu."),
        "{text}"
    );
    d.assert_accessible("users form with errors").await;

    d.fill("#email", "petr.svoboda@chomutov.test").await;
    d.fill("#password", "velmi-dlouhe-heslo").await;
    d.client
        .find(Locator::Css("#role-steering_committee"))
        .await
        .expect("role")
        .click()
        .await
        .expect("check");
    d.client
        .find(Locator::Css(
            "form[action='/admin/users'] button[type=submit]",
        ))
        .await
        .expect("b")
        .click()
        .await
        .expect("c");
    d.wait_for_text("Historie změn").await;
    d.assert_accessible("new user page").await;
    d.visit(&app.url("/admin/audit"), "audit log").await;
    assert!(d.body_text().await.contains("petr.svoboda@chomutov.test"));

    d.client
        .find(Locator::Css(".site-tools button[type=submit]"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    let text = d.wait_for_text("Přihlásit se").await;
    assert!(!text.contains("Odhlásit se"), "logged out");

    // The new user can log in with the role given.
    d.visit(&app.url("/login"), "login again").await;
    d.fill("#email", "petr.svoboda@chomutov.test").await;
    d.fill("#password", "velmi-dlouhe-heslo").await;
    d.client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Odhlásit se").await;
    d.visit(&app.url("/account"), "account").await;
    assert!(d.body_text().await.contains("Řídící výbor"));
    d.client.clone().close().await.expect("close");
}

#[actix_web::test]
async fn a_curator_publishes_a_dataset_and_a_citizen_finds_it() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    let hash = radnice::auth::password::hash(PASSWORD).expect("hash");
    radnice::auth::store::create_user(
        &mut app.conn(),
        &radnice::audit::Actor::system("test"),
        radnice::auth::store::NewUser {
            email: "kurator@chomutov.test",
            display_name: "Kurátorka",
            password_hash: &hash,
            roles: &[Role::Curator],
            publishers: &["statutarni-mesto-chomutov".to_string()],
        },
    )
    .expect("curator");

    d.visit(&app.url("/login"), "login").await;
    d.fill("#email", "kurator@chomutov.test").await;
    d.fill("#password", PASSWORD).await;
    d.client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Odhlásit se").await;

    d.visit(&app.url("/harvest"), "harvest page").await;
    d.visit(&app.url("/datasets/new"), "new dataset form").await;
    // The address is suggested from the title as it is typed.
    d.fill("#title_cs", "Lavičky v parcích").await;
    let suggested = d
        .client
        .execute("return document.getElementById('slug').value", vec![])
        .await
        .expect("slug");
    assert_eq!(suggested.as_str(), Some("lavicky-v-parcich"));
    d.fill("#slug", "lavicky").await;
    d.fill(
        "#description_cs",
        "Umístění a stav laviček v městských parcích.",
    )
    .await;
    d.fill("#keywords_cs", "lavičky, parky").await;
    for checkbox in ["#themes-REGI", "#eurovoc-861"] {
        d.client
            .find(Locator::Css(checkbox))
            .await
            .expect("checkbox")
            .click()
            .await
            .expect("check");
    }
    // A Czech decimal comma is read; the north is missing.
    d.fill("#bbox_west", "13,35").await;
    d.fill("#bbox_south", "50.43").await;
    d.fill("#bbox_east", "13.47").await;
    // Forgot the frequency and the north: the form comes back with both
    // field errors.
    d.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("b")
        .click()
        .await
        .expect("c");
    d.wait_for_text("Hodnota není v číselníku.").await;
    d.wait_for_text("Zadejte čtyři čísla ve stupních").await;
    d.assert_accessible("dataset form with errors").await;
    d.fill("#bbox_north", "50.49").await;
    d.client
        .find(Locator::Css("#frequency option[value$='/ANNUAL']"))
        .await
        .expect("annual")
        .click()
        .await
        .expect("select");
    d.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("b")
        .click()
        .await
        .expect("c");
    d.wait_for_text("Koncept: datová sada zatím není zveřejněna")
        .await;
    // The box and the EuroVoc concept were kept.
    d.wait_for_text("Západ 13.35°").await;
    d.wait_for_text("zelená plocha").await;
    d.assert_accessible("draft dataset").await;

    d.visit(
        &app.url("/datasets/lavicky/distributions/new"),
        "distribution form",
    )
    .await;
    d.fill("#title_cs", "Lavičky (CSV)").await;
    d.fill(
        "#download_url",
        "https://data.example.cz/soubory/lavicky.csv",
    )
    .await;
    d.client
        .find(Locator::Css("#format option[value$='/file-type/CSV']"))
        .await
        .expect("csv")
        .click()
        .await
        .expect("select");
    d.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("b")
        .click()
        .await
        .expect("c");
    d.wait_for_text("Lavičky (CSV)").await;
    d.client
        .find(Locator::Css(
            "form[action='/datasets/lavicky/transition'] button",
        ))
        .await
        .expect("publish")
        .click()
        .await
        .expect("click");
    // The draft page shows "Stáhnout" too: wait for the draft note to go.
    let published = d
        .wait_until_gone("Koncept: datová sada zatím není zveřejněna")
        .await;
    assert!(published.contains("Stáhnout"), "{published}");
    d.assert_accessible("published dataset").await;
    d.client
        .find(Locator::Css(".site-tools button[type=submit]"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Přihlásit se").await;

    // A citizen finds it by keyword and reaches its download.
    d.visit(&app.url("/datasets?keyword=lavi%C4%8Dky"), "list")
        .await;
    d.client
        .find(Locator::LinkText("Lavičky v parcích"))
        .await
        .expect("in the list")
        .click()
        .await
        .expect("open");
    d.wait_for_text("Jak citovat").await;
    let href = d
        .client
        .find(Locator::Css("a.gov-button[href$='lavicky.csv']"))
        .await
        .expect("download button")
        .attr("href")
        .await
        .expect("attr");
    assert_eq!(
        href.as_deref(),
        Some("https://data.example.cz/soubory/lavicky.csv")
    );
    d.assert_accessible("dataset as a citizen sees it").await;
    d.client.clone().close().await.expect("close");
}

impl Driver {
    /// Sets the window so that the page's viewport is `width` CSS pixels.
    async fn set_width(&self, width: u32) {
        self.client
            .set_window_size(width, 900)
            .await
            .expect("window size");
        let inner = self
            .client
            .execute("return window.innerWidth", vec![])
            .await
            .expect("innerWidth");
        assert_eq!(inner.as_u64(), Some(u64::from(width)), "viewport width");
    }

    /// The elements of the page wider than its viewport, and the page's own
    /// scroll width: a page a phone user must scroll sideways fails.
    async fn assert_fits(&self, what: &str) {
        let out = self
            .client
            .execute(
                r#"
                const vw = document.documentElement.clientWidth;
                // Inside a box that clips (a map's panes, which Leaflet
                // draws wider than the map so that panning shows no gap),
                // an element widens nothing; the box itself is measured.
                const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o === 'hidden' || o === 'clip') return true; } return false; };
                const wide = [...document.querySelectorAll('body *')]
                  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > vw + 1 && !(e.parentElement && e.parentElement.closest('.table-wrap')) && !clipped(e); })
                  .concat([...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && e.getBoundingClientRect().left + e.scrollWidth > vw + 1 && getComputedStyle(e).overflowX === 'visible' && !(e.parentElement && e.parentElement.closest('.table-wrap'))))
                  .slice(-5)
                  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px/' + e.scrollWidth);
                return JSON.stringify({ scroll: document.documentElement.scrollWidth, vw, wide });
                "#,
                vec![],
            )
            .await
            .expect("measure");
        let v: serde_json::Value = serde_json::from_str(out.as_str().expect("json")).expect("json");
        assert!(
            v["scroll"].as_u64() <= v["vw"].as_u64()
                && v["wide"].as_array().is_some_and(Vec::is_empty),
            "{what} is wider than its viewport: {v}"
        );
    }

    /// The computed styles of the components on /components: each carries
    /// the design system's look, or the list of what does not.
    async fn component_style_faults(&self) -> Vec<String> {
        let out = self
            .client
            .execute(
                r#"
                const faults = [];
                const none = c => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
                const all = s => [...document.querySelectorAll(s)];
                const need = (ok, what) => { if (!ok) faults.push(what); };
                const colours = new Set();
                for (const m of all('main .gov-message')) {
                  const s = getComputedStyle(m), bar = getComputedStyle(m, '::before');
                  need(!none(s.backgroundColor), 'message ' + m.dataset.color + ' has no background');
                  need(!none(bar.backgroundColor) && parseFloat(bar.width) > 0, 'message ' + m.dataset.color + ' has no side bar');
                  need(parseFloat(s.paddingLeft) >= 16, 'message ' + m.dataset.color + ' has no padding');
                  colours.add(s.backgroundColor);
                }
                need(colours.size === 4, 'the four messages share colours: ' + [...colours]);
                for (const b of all('main .gov-button[data-type=solid]')) {
                  const s = getComputedStyle(b);
                  need(!none(s.backgroundColor) && s.color !== s.backgroundColor, 'solid button "' + b.textContent + '" has no colour');
                  need(parseFloat(s.minHeight) >= 40 || b.getBoundingClientRect().height >= 40, 'solid button "' + b.textContent + '" is smaller than a finger');
                }
                for (const b of all('main .gov-button[data-type=outlined]')) {
                  const s = getComputedStyle(b);
                  need(parseFloat(s.borderTopWidth) >= 1 && !none(s.borderTopColor), 'outlined button "' + b.textContent.trim() + '" has no border');
                }
                // A text field's frame is its wrapper's; a select has its own.
                const frame = i => i.tagName === 'SELECT' ? i : i.closest('.gov-form-input');
                for (const i of all('main .gov-form-input input, main .gov-form-input textarea, main .gov-form-select select')) {
                  const s = getComputedStyle(frame(i));
                  need(s.borderTopStyle === 'solid' && parseFloat(s.borderTopWidth) >= 1, 'field ' + i.id + ' has no border');
                  need(i.getBoundingClientRect().height >= 40, 'field ' + i.id + ' is smaller than a finger');
                }
                const bad = document.querySelector('#sample_email'), good = document.querySelector('#sample_title');
                need(bad && good && getComputedStyle(frame(bad)).borderTopColor !== getComputedStyle(frame(good)).borderTopColor, 'a field with an error looks like one without');
                for (const w of all('main .table-wrap')) need(['auto', 'scroll'].includes(getComputedStyle(w).overflowX), 'a table does not scroll on its own');
                need(all('main .pager a.gov-button').length === 2, 'the pager has no buttons');
                need(getComputedStyle(document.querySelector('main dl.meta')).display === 'grid', 'facts are not laid out');
                for (const c of all('main .gov-card')) need(getComputedStyle(c).borderTopStyle !== 'none' || !none(getComputedStyle(c).backgroundColor), 'a card has no frame');
                return JSON.stringify(faults);
                "#,
                vec![],
            )
            .await
            .expect("styles");
        serde_json::from_str(out.as_str().expect("json")).expect("json")
    }
}

/// Every public page fits a phone (320 and 390 px) and a desktop (1280 px)
/// with axe-core clean, and the components page's components carry the
/// design system's computed style at each width.
#[actix_web::test]
async fn every_page_fits_a_phone_and_the_components_carry_the_design_style() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    let pages = [
        "/",
        "/components",
        "/datasets",
        "/datasets?theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FTRAN",
        "/datasets/pasport-zelene",
        "/datasets/kvalita-ovzdusi-pm10",
        "/data",
        "/publishers",
        "/publishers/statutarni-mesto-chomutov",
        "/strategies",
        "/strategies/chomutov-ict-2020-2024",
        "/kpis/KPI-SC1-01",
        "/kpis/KPI-SC1-03",
        "/projects/P-SC1-01",
        "/sparql",
        "/sparql?query=SELEKT",
        "/sparql?query=SELECT%20%3Fd%20%3Ft%20WHERE%20%7B%20%3Fd%20a%20%3Chttp%3A%2F%2Fwww.w3.org%2Fns%2Fdcat%23Dataset%3E%20%3B%20%3Chttp%3A%2F%2Fpurl.org%2Fdc%2Fterms%2Ftitle%3E%20%3Ft%20%7D",
        "/api",
        "/login",
        "/pristupnost",
        "/soukromi",
        "/neexistuje",
    ];
    let mut faults = Vec::new();
    for width in [1280, 390, 320] {
        d.set_width(width).await;
        for path in pages {
            let what = format!("{path} at {width} px");
            d.visit(&app.url(path), &what).await;
            d.assert_fits(&what).await;
        }
        d.visit(&app.url("/components"), "components").await;
        faults.extend(
            d.component_style_faults()
                .await
                .into_iter()
                .map(|f| format!("{width} px: {f}")),
        );
        // On a phone the list's filters fold behind their summary; on a
        // desktop they show.
        d.client.goto(&app.url("/datasets")).await.expect("goto");
        let shown = d
            .client
            .execute(
                "return document.querySelector('#f-publisher').checkVisibility()",
                vec![],
            )
            .await
            .expect("filters");
        assert_eq!(
            shown.as_bool(),
            Some(width >= 1280),
            "filters shown at {width} px"
        );
    }
    assert!(
        faults.is_empty(),
        "components without their style:\n{}",
        faults.join("\n")
    );
    d.client.clone().close().await.expect("close");
}

/// The pages of signed-in work fit a phone and a desktop too, axe-core
/// clean: an admin's work page, publishers, users, the audit and security
/// logs, the forms of a dataset and a distribution, the harvest page, the
/// unpublish form opened, a withdrawn dataset as its curator sees it.
#[actix_web::test]
async fn the_pages_of_signed_in_work_fit_a_phone_and_a_desktop() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    let admin = app.person(
        "spravce@chomutov.test",
        &[Role::Admin, Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    // Something in the logs, and a withdrawn dataset.
    crate::catalog::curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"])
        .post(
            "/api/v1/datasets/parkoviste/withdraw",
            &serde_json::json!({"reason": "Přepracovává se s novými daty o kapacitě parkovišť v centru města."}),
        )
        .await
        .expect(200);
    d.visit(&app.url("/login"), "login").await;
    d.fill("#email", &admin.email).await;
    d.fill("#password", PASSWORD).await;
    d.client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    d.wait_for_text("Moje práce").await;
    let pages = [
        "/work",
        "/account",
        "/admin/users",
        &format!("/admin/users/{}", admin.id),
        "/admin/publishers",
        "/admin/publishers/statutarni-mesto-chomutov",
        "/admin/audit",
        "/admin/security",
        "/datasets/new",
        "/datasets/pasport-zelene/edit",
        "/datasets/pasport-zelene/distributions/new",
        "/datasets/parkoviste",
        "/harvest",
        "/admin/strategies",
        "/admin/strategies/chomutov-ict-2020-2024",
        "/admin/strategies/chomutov-ict-2020-2024/goals/3.1.1",
        "/admin/strategies/chomutov-ict-2020-2024/goals/new",
        "/admin/projects/P-SC1-01",
        "/admin/strategies/chomutov-ict-2020-2024/projects/new",
        "/admin/kpis/KPI-SC1-01",
        "/admin/strategies/chomutov-ict-2020-2024/kpis/new",
    ];
    for width in [1280, 390] {
        d.set_width(width).await;
        for path in pages {
            let what = format!("{path} at {width} px");
            d.visit(&app.url(path), &what).await;
            d.assert_fits(&what).await;
        }
        // The unpublish form, opened.
        d.client
            .goto(&app.url("/datasets/pasport-zelene"))
            .await
            .expect("goto");
        d.client
            .find(Locator::Css("details.withdraw > summary"))
            .await
            .expect("the unpublish action")
            .click()
            .await
            .expect("open");
        let what = format!("the unpublish form at {width} px");
        d.assert_accessible(&what).await;
        d.assert_fits(&what).await;
        assert!(d.body_text().await.contains("Ano, zrušit zveřejnění"));
    }
    d.client.clone().close().await.expect("close");
}

impl Driver {
    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"))
            .click()
            .await
            .unwrap_or_else(|_| panic!("click {css}"));
    }

    /// axe-core clean and no wider than the viewport; with
    /// `RADNICE_SCREENSHOTS=DIR` the page is also saved there as a PNG to
    /// look at.
    async fn check(&self, what: &str) {
        self.assert_accessible(what).await;
        self.assert_fits(what).await;
        if let Ok(dir) = std::env::var("RADNICE_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("screenshot");
            let name: String = what
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
                .expect("write screenshot");
        }
    }

    /// Sets a field's value as a date picker would (typing into a date
    /// field follows the browser's locale).
    async fn set_value(&self, id: &str, value: &str) {
        self.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1]",
                vec![id.into(), value.into()],
            )
            .await
            .expect("set value");
    }

    async fn log_in(&self, app: &TestApp, email: &str, password: &str) {
        self.client.goto(&app.url("/login")).await.expect("goto");
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("main button[type=submit]").await;
        self.wait_for_text("Odhlásit se").await;
    }

    async fn log_out(&self) {
        self.click(".site-tools button[type=submit]").await;
        self.wait_for_text("Přihlásit se").await;
    }
}

/// The daily work of the issue that built it, walked in the browser at a
/// desktop's and a phone's width, each page axe-core clean and no wider
/// than the screen: an admin makes a publisher and gives it a curator,
/// sends that curator a reset link (no SMTP here: the link is shown once),
/// the curator sets a password with it and signs in, adds real data to an
/// example dataset and removes the example mark, withdraws it with a
/// reason and publishes it again from "Moje práce"; a working group member
/// is told what the portal will give him; a citizen asking for a page past
/// the list's end is sent to its last page; a mistyped SPARQL query says
/// where it went wrong.
#[actix_web::test]
async fn the_daily_work_walked_at_a_desktop_and_a_phone() {
    let Some(d) = driver().await else { return };
    for width in [1280, 390] {
        let app = TestApp::start().await;
        d.set_width(width).await;
        let at = |what: &str| format!("{what} at {width} px");
        let admin = app.person("spravce@chomutov.test", &[Role::Admin], &[]);
        let curator = app.person("kurator@chomutov.test", &[Role::Curator], &[]);
        app.person("skupina@chomutov.test", &[Role::WorkingGroup], &[]);

        // The admin: a publisher with its curator.
        d.log_in(&app, &admin.email, PASSWORD).await;
        d.wait_for_text("Moje práce").await;
        d.check(&at("admin's work")).await;
        d.visit(&app.url("/admin/publishers"), &at("publishers"))
            .await;
        d.fill("#name_cs", "Obec Málkov").await;
        d.fill("#slug", "obec-malkov").await;
        d.fill("#email", "podatelna@malkov.test").await;
        d.click("form[action='/admin/publishers'] button[type=submit]")
            .await;
        d.wait_for_text("Změny jsou uložené.").await;
        d.click(&format!("input[name=curators][value='{}']", curator.id))
            .await;
        d.click("form[action='/admin/publishers/obec-malkov'] button[type=submit]")
            .await;
        d.wait_for_text("Změny jsou uložené.").await;
        d.check(&at("a publisher with its curator")).await;
        let chosen = d
            .client
            .execute(
                &format!(
                    "return document.querySelector(\"input[name=curators][value='{}']\").checked",
                    curator.id
                ),
                vec![],
            )
            .await
            .expect("checked");
        assert_eq!(chosen.as_bool(), Some(true), "the curator was kept");

        // The admin sends the curator a reset link.
        d.visit(
            &app.url(&format!("/admin/users/{}", curator.id)),
            &at("a user"),
        )
        .await;
        d.click(&format!(
            "form[action='/admin/users/{}/reset-link'] button",
            curator.id
        ))
        .await;
        d.wait_for_text("Odkaz").await;
        d.check(&at("the reset link shown once")).await;
        // Shown where the admin looks after the click: in the first screen.
        let seen = d
            .client
            .execute(
                "return document.getElementById('reset-link').getBoundingClientRect().bottom <= window.innerHeight",
                vec![],
            )
            .await
            .expect("where");
        assert_eq!(
            seen.as_bool(),
            Some(true),
            "the reset link is below the fold"
        );
        let link = d
            .client
            .execute("return document.getElementById('reset-link').value", vec![])
            .await
            .expect("link");
        let link = link.as_str().expect("a link").to_string();
        assert!(link.contains("/password-reset/"), "{link}");
        d.log_out().await;

        // The curator sets a password with it and signs in.
        let path = &link[link.find("/password-reset/").expect("path")..];
        d.visit(&app.url(path), &at("the reset form")).await;
        d.fill("#new_password", "nove-dlouhe-heslo-2026").await;
        d.click("main form button[type=submit]").await;
        d.wait_for_text("Heslo je změněné. Přihlaste se novým heslem.")
            .await;
        d.check(&at("login after a reset")).await;
        d.log_in(&app, &curator.email, "nove-dlouhe-heslo-2026")
            .await;
        d.wait_for_text("Moje datové sady").await;
        assert!(
            d.body_text().await.contains("Obec Málkov"),
            "the curator's publisher on his work page"
        );

        // Real data for an example dataset of the city; the example mark goes.
        app.person(
            "mesto@chomutov.test",
            &[Role::Curator],
            &["statutarni-mesto-chomutov"],
        );
        d.log_out().await;
        d.log_in(&app, "mesto@chomutov.test", PASSWORD).await;
        d.check(&at("a curator's work")).await;
        d.visit(
            &app.url("/datasets/parkoviste/distributions/new"),
            &at("a distribution form"),
        )
        .await;
        d.fill("#title_cs", "Parkoviště (CSV)").await;
        d.fill("#download_url", "https://data.example.cz/parkoviste.csv")
            .await;
        d.click("#format option[value$='/file-type/CSV']").await;
        d.click("main form button[type=submit]").await;
        d.wait_for_text("Distribuce je uložená.").await;
        d.check(&at("an example with data")).await;
        d.click("form[action='/datasets/parkoviste/unmark-example'] button")
            .await;
        let page = d.wait_for_text("Označení ukázky je odebrané.").await;
        // The notice is gone; the seed's example file keeps its own title.
        assert!(!page.contains("Ukázková datová sada"), "{page}");
        d.check(&at("the example mark removed")).await;

        // Withdrawn with a reason, then published again from the work page.
        d.click("details.withdraw > summary").await;
        d.fill(
            "#withdraw-reason",
            "Kapacity parkovišť se přepočítávají po rekonstrukci centra.",
        )
        .await;
        d.click("details.withdraw form button[type=submit]").await;
        let page = d.wait_for_text("Zveřejnění je zrušené.").await;
        assert!(page.contains("po rekonstrukci centra"), "{page}");
        d.check(&at("a withdrawn dataset")).await;
        d.visit(&app.url("/work"), &at("work with a withdrawn dataset"))
            .await;
        d.assert_fits(&at("work with a withdrawn dataset")).await;
        d.client
            .find(Locator::LinkText("Zveřejnit znovu"))
            .await
            .expect("the next step")
            .click()
            .await
            .expect("open");
        d.wait_for_text("Veřejnost vidí jen důvod").await;
        d.click("form[action='/datasets/parkoviste/transition'] button")
            .await;
        d.wait_for_text("Datová sada je zveřejněná.").await;
        d.check(&at("published again")).await;
        d.log_out().await;

        // The working group is told what it will find here.
        d.log_in(&app, "skupina@chomutov.test", PASSWORD).await;
        d.wait_for_text("Zatím vám správce nepřidělil").await;
        d.check(&at("the working group's start")).await;
        d.log_out().await;

        // A citizen past the list's end, and a mistyped query.
        d.visit(&app.url("/datasets?page=99"), &at("past the end"))
            .await;
        d.wait_for_text("Tato strana seznamu neexistuje.").await;
        d.assert_fits(&at("past the end")).await;
        d.click("main .gov-message a[href='/datasets?page=1']")
            .await;
        d.wait_until_gone("Tato strana seznamu neexistuje.").await;
        d.check(&at("the last page")).await;
        d.visit(
            &app.url("/sparql?query=SELEKT%20*"),
            &at("a mistyped query"),
        )
        .await;
        let page = d.wait_for_text("Řádek 1, sloupec 1").await;
        assert!(page.contains("SELEKT"), "{page}");
        let seen = d
            .client
            .execute(
                "return document.getElementById('query-error').getBoundingClientRect().bottom <= window.innerHeight",
                vec![],
            )
            .await
            .expect("where");
        assert_eq!(
            seen.as_bool(),
            Some(true),
            "the query's error is below the fold"
        );
        d.check(&at("a mistyped query")).await;
    }
    d.client.clone().close().await.expect("close");
}

/// The strategy's monthly work in the browser, at a desktop's and a
/// phone's width, axe-core clean: a working-group member files a monthly
/// report and records and submits a KPI value; a committee member verifies
/// it from "Moje práce" and sees the project's new health on the strategy's
/// dashboard; a citizen sees the verified value, never a provisional one.
#[actix_web::test]
async fn the_working_group_reports_and_the_committee_verifies() {
    let Some(d) = driver().await else { return };
    for width in [1280, 390] {
        let app = TestApp::start().await;
        d.set_width(width).await;
        let at = |what: &str| format!("{what} at {width} px");
        let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
        let committee = app.person("vybor@chomutov.test", &[Role::SteeringCommittee], &[]);
        {
            let mut c = app.conn();
            let actor = radnice::audit::Actor::system("test");
            let k = radnice::strategy::store::kpi_by_code(&mut c, "KPI-SC8-01")
                .expect("q")
                .expect("kpi");
            radnice::strategy::service::set_kpi_members(
                &mut c,
                &actor,
                &k.id,
                std::slice::from_ref(&member.id),
            )
            .expect("members");
            let p = radnice::strategy::store::project_by_code(&mut c, "P-SC8-01")
                .expect("q")
                .expect("project");
            radnice::strategy::service::set_project_members(
                &mut c,
                &actor,
                &p.id,
                std::slice::from_ref(&member.id),
            )
            .expect("members");
        }

        // The member's month.
        d.log_in(&app, &member.email, PASSWORD).await;
        d.wait_for_text("Moje projekty").await;
        d.check(&at("a member's work")).await;
        d.click("a[href='/projects/P-SC8-01/report']").await;
        d.wait_for_text("Měsíční zpráva o stavu").await;
        d.check(&at("the report form")).await;
        d.fill("#progress", "10").await;
        d.click("#health option[value='off_track']").await;
        d.click("button[name=submit][value='1']").await;
        d.wait_for_text("U ohroženého projektu nebo projektu mimo plán uveďte důvod.")
            .await;
        d.check(&at("the report form with an error")).await;
        d.fill("#health_reason", "Školení se posouvá, lektor onemocněl.")
            .await;
        d.click("button[name=submit][value='1']").await;
        d.wait_for_text("Zpráva je odevzdaná a zveřejněná.").await;
        d.check(&at("the project with its report")).await;

        d.client
            .goto(&app.url("/kpis/KPI-SC8-01/values"))
            .await
            .expect("goto");
        d.set_value("period_start", "2024-01-01").await;
        d.set_value("period_end", "2024-12-31").await;
        d.fill("#value", "33,5").await;
        d.click("form[action='/kpis/KPI-SC8-01/values'] button[type=submit]")
            .await;
        d.wait_for_text("Hodnota je zapsaná jako předběžná.").await;
        d.check(&at("a KPI's values")).await;
        d.click("form[action$='/transition'] button[type=submit]")
            .await;
        d.wait_for_text("Hodnota je odevzdaná k ověření.").await;
        d.log_out().await;

        // A citizen does not see it yet.
        d.visit(
            &app.url("/kpis/KPI-SC8-01"),
            &at("a KPI before verification"),
        )
        .await;
        assert!(
            !d.body_text().await.contains("33,5"),
            "a submitted value is public"
        );

        // The committee verifies it and sees the project on the dashboard.
        d.log_in(&app, &committee.email, PASSWORD).await;
        d.wait_for_text("Hodnoty k ověření").await;
        d.check(&at("the committee's work")).await;
        d.client
            .find(Locator::Css("a[href='/kpis/KPI-SC8-01/values']"))
            .await
            .expect("the value to verify")
            .click()
            .await
            .expect("open");
        d.wait_for_text("odevzdaná").await;
        d.click("form[action$='/transition']:has(input[value='verified']) button")
            .await;
        d.wait_for_text("Hodnota je ověřená a veřejná.").await;
        d.visit(
            &app.url("/strategies/chomutov-ict-2020-2024"),
            &at("the dashboard"),
        )
        .await;
        let text = d.body_text().await;
        assert!(
            text.contains("P-SC8-01 Vzdělávání zaměstnanců v informační gramotnosti: mimo plán"),
            "{text}"
        );
        d.assert_fits(&at("the dashboard")).await;
        // The committee's move form on a project's page.
        d.visit(
            &app.url("/projects/P-SC8-01"),
            &at("a project the committee moves"),
        )
        .await;
        assert!(d.body_text().await.contains("Posunout projekt"));
        d.check(&at("a project the committee moves")).await;
        d.log_out().await;

        // The citizen now sees it.
        d.visit(
            &app.url("/kpis/KPI-SC8-01"),
            &at("a KPI after verification"),
        )
        .await;
        assert!(d.body_text().await.contains("33,5 %"));
        d.assert_fits(&at("a KPI after verification")).await;
    }
    d.client.clone().close().await.expect("close");
}

/// A curator uploads a CSV as a Czech spreadsheet exports it (windows-1250,
/// `;`, decimal commas, diacritics) through the form, and the preview shows
/// it right; a citizen sorts and searches it on a phone. Every page is
/// axe-core clean and fits the screen.
#[actix_web::test]
async fn a_curator_uploads_a_czech_csv_and_a_citizen_previews_it() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    app.person(
        "soubory@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("stromy-1250.csv");
    let text = "druh;obvod kmene (cm);výška (m);poslední ošetření\r\n\
                Lípa srdčitá;182;12,5;7. 5. 2026\r\n\
                Javor mléč;95;8,25;12. 3. 2025\r\n\
                Jírovec maďal;240;17,75;1. 10. 2024\r\n";
    std::fs::write(&csv, encoding_rs::WINDOWS_1250.encode(text).0.as_ref()).expect("csv");

    d.log_in(&app, "soubory@chomutov.test", PASSWORD).await;
    d.client
        .goto(&app.url("/datasets/pasport-zelene"))
        .await
        .expect("goto");
    d.click("a[href='/datasets/pasport-zelene/distributions/upload']")
        .await;
    d.wait_for_text("Nahrát soubor").await;
    d.check("the upload form").await;
    d.fill("#title", "Stromy v parku (windows-1250)").await;
    d.client
        .find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(&csv.display().to_string())
        .await
        .expect("choose the file");
    d.click("main form button[type=submit]").await;
    let page = d.wait_for_text("Soubor je uložený.").await;
    for text in [
        "Lípa srdčitá",
        "Jírovec maďal",
        "12,5",
        "17,75",
        "2026-05-07",
        "windows-1250",
    ] {
        assert!(page.contains(text), "{text} in\n{page}");
    }
    d.check("the preview after the upload").await;
    let preview = d.client.current_url().await.expect("url").to_string();
    d.log_out().await;

    // A citizen on a phone: sorts by height, highest first, and searches
    // without diacritics.
    d.set_width(390).await;
    d.client.goto(&preview).await.expect("goto");
    d.check("the preview on a phone").await;
    d.click("th a[href*='sort=v%C3%BD%C5%A1ka']").await;
    d.wait_for_text("Lípa srdčitá").await;
    d.click("th a[href*='sort=-v%C3%BD%C5%A1ka']").await;
    let sorted = d.wait_for_text("Jírovec maďal").await;
    let (first, last) = (
        sorted.find("Jírovec maďal").expect("first"),
        sorted.find("Javor mléč").expect("last"),
    );
    assert!(first < last, "highest first:\n{sorted}");
    d.fill("#table-q", "jirovec").await;
    d.click("form[role=search] button[type=submit]").await;
    let found = d.wait_for_text("Řádky 1–1 z 1").await;
    assert!(
        found.contains("Jírovec maďal") && !found.contains("Javor mléč"),
        "{found}"
    );
    d.check("a search in the preview on a phone").await;
    d.set_width(1280).await;
    d.client.clone().close().await.expect("close");
}

impl Driver {
    /// Waits until the map on the page draws at least `n` features (Leaflet
    /// draws each as an SVG path); answers how many it drew.
    async fn wait_for_features(&self, n: usize) -> usize {
        let mut drawn = 0;
        for _ in 0..50 {
            drawn = self
                .client
                .find_all(Locator::Css(".map path.leaflet-interactive"))
                .await
                .map(|v| v.len())
                .unwrap_or(0);
            if drawn >= n {
                return drawn;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let html = self
            .client
            .execute(
                "var m = document.querySelector('.map'); return m ? m.outerHTML.slice(0, 3000) + ' || ' + (m.parentNode.textContent) : 'no map';",
                vec![],
            )
            .await
            .expect("map html");
        panic!("the map drew {drawn} features, not {n}: {html}");
    }
}

/// A curator imports a layer of car parks in S-JTSK (a CSV with X/Y
/// columns, as a GIS exports it) through the form; the dataset page shows
/// it on the map, and the feature list shows its attributes, also on a
/// phone. Every page is axe-core clean and fits the screen.
#[actix_web::test]
async fn a_curator_imports_an_s_jtsk_layer_and_a_citizen_sees_it_on_the_map() {
    let Some(d) = driver().await else { return };
    let app = TestApp::start().await;
    app.person(
        "gis@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("parkoviste-sjtsk.csv");
    std::fs::write(
        &csv,
        "název;kapacita;X;Y\r\n\
         Náměstí 1. máje;42;-808900.5;-991780.2\r\n\
         Žižkovo náměstí;65;-809310.0;-991420.7\r\n\
         U Jitexu;120;-807650.3;-992150.9\r\n\
         Kamenná;18;-808120.8;-990980.4\r\n\
         Šafaříkova;30;-808560.1;-991230.6\r\n",
    )
    .expect("csv");

    d.log_in(&app, "gis@chomutov.test", PASSWORD).await;
    d.client
        .goto(&app.url("/datasets/parkoviste"))
        .await
        .expect("goto");
    d.click("a[href='/datasets/parkoviste/layer']").await;
    d.wait_for_text("Importovat vrstvu GIS").await;
    d.check("the layer import form").await;
    d.click("#crs option[value='EPSG:5514']").await;
    d.client
        .find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(&csv.display().to_string())
        .await
        .expect("choose the file");
    d.click("main form button[type=submit]").await;
    d.wait_for_text("Vrstva je importovaná").await;
    // The five car parks on the map, in view of the layer's box.
    assert_eq!(d.wait_for_features(5).await, 5);
    d.check("the dataset page with the imported layer").await;
    d.log_out().await;

    // A citizen on a phone reads the same layer as a list of features.
    d.set_width(390).await;
    d.client
        .goto(&app.url("/datasets/parkoviste"))
        .await
        .expect("goto");
    d.wait_for_features(5).await;
    d.check("the dataset page's map on a phone").await;
    d.click("a[href^='/ogc/collections/parkoviste/items']")
        .await;
    let list = d.wait_for_text("Náměstí 1. máje").await;
    for text in ["Žižkovo náměstí", "U Jitexu", "kapacita", "120"] {
        assert!(list.contains(text), "{text} in\n{list}");
    }
    assert!(list.contains("1–5 z 5"), "{list}");
    d.wait_for_features(5).await;
    d.check("the feature list on a phone").await;
    d.set_width(1280).await;
    d.client.clone().close().await.expect("close");
}
