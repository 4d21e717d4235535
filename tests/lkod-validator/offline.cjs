// Preloaded into the national LKOD validator (datagov-cz/lkod-validator) so
// that it runs without the internet, validating exactly what it would online:
// - the DCAT-AP-CZ JSON-LD context, the one document it fetches from
//   ofn.gov.cz, is answered from the local copy in $OFN_CONTEXT;
// - fetches of the catalog's IRIs (https://data.example.cz/...) go to the
//   local server: LKOD_REWRITE="from=>to;from2=>to2" rewrites URL prefixes;
// - every other fetch and JSON-LD document is refused.
// The report still names the IRIs as published.
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const validatorDir = process.env.LKOD_VALIDATOR || process.cwd();
const jsonld = createRequire(path.join(validatorDir, "package.json"))("jsonld");
const CONTEXT_URL =
  "https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/rozhraní-katalogů-otevřených-dat.jsonld";

// IRIs arrive percent-encoded or not; compare them decoded.
const decoded = (url) => {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
};

const remoteLoader = jsonld.documentLoader;
jsonld.documentLoader = async (url, options) => {
  if (decoded(url) === CONTEXT_URL) {
    const document = JSON.parse(fs.readFileSync(process.env.OFN_CONTEXT, "utf8"));
    return { contextUrl: null, documentUrl: url, document };
  }
  throw new Error(`offline: the JSON-LD document ${url} is not loaded`);
};
void remoteLoader;

const rewrites = (process.env.LKOD_REWRITE || "")
  .split(";")
  .filter(Boolean)
  .map((rule) => rule.split("=>"))
  .map(([from, to]) => [decoded(from), to]);
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url =
    typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const wanted = decoded(url);
  const rule = rewrites.find(([from]) => wanted.startsWith(from));
  if (!rule && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(wanted)) {
    return realFetch(input, init);
  }
  if (!rule) {
    // Anything else would leave this machine: refused, as a failed
    // network fetch is (TypeError), so the validator reports it as such.
    return Promise.reject(new TypeError(`fetch failed: offline, ${url} is not fetched`));
  }
  const target = rule[1] + wanted.slice(rule[0].length);
  const request =
    typeof input === "string" || input instanceof URL ? target : new Request(target, input);
  return realFetch(request, init);
};
