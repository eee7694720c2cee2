// Drives the OAuth2 authorization-code flow of this server in a real headless Chromium (Debian's chromium, driven by
// playwright-core): open the authorize URL, sign in on the login page (fields found by their labels), allow or deny
// on the consent page (buttons found by role and name), and capture the redirect to the client's redirect URI
// without any server listening there. Prints one JSON line on stdout:
//   {"ok":true,"finalUrl":"...","consentShown":true,"loginShown":true,"screenshots":{"login":"...","consent":"..."}}
// or {"ok":false,"error":"...",...} with exit code 1.
//
// Arguments (or environment variables):
//   --base-url URL        OAUTH2_FLOW_BASE_URL       the server's base URL (the login page must be served from it)
//   --authorize-url URL   OAUTH2_FLOW_AUTHORIZE_URL  the full /oauth/authorize URL to open
//   --redirect-uri URI    OAUTH2_FLOW_REDIRECT_URI   the client's redirect URI (captured, never really fetched)
//   --username NAME       OAUTH2_FLOW_USERNAME
//   --password SECRET     OAUTH2_FLOW_PASSWORD
//   --decision allow|deny OAUTH2_FLOW_DECISION       what to click on the consent page (default allow)
//   --screenshots DIR     OAUTH2_FLOW_SCREENSHOTS    where to save login.png and consent.png (default: a new temp dir)
//   --timeout-ms N        OAUTH2_FLOW_TIMEOUT_MS     per step (default 60000)
// The browser is OAUTH2_TEST_CHROMIUM (default /usr/bin/chromium), started with a fresh profile that is removed after.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      'authorize-url': { type: 'string' },
      'redirect-uri': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      decision: { type: 'string' },
      screenshots: { type: 'string' },
      'timeout-ms': { type: 'string' },
    },
    strict: true,
  }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }) + '\n');
  process.exit(2);
}

const env = process.env;
const config = {
  baseUrl: args['base-url'] ?? env.OAUTH2_FLOW_BASE_URL,
  authorizeUrl: args['authorize-url'] ?? env.OAUTH2_FLOW_AUTHORIZE_URL,
  redirectUri: args['redirect-uri'] ?? env.OAUTH2_FLOW_REDIRECT_URI,
  username: args.username ?? env.OAUTH2_FLOW_USERNAME,
  password: args.password ?? env.OAUTH2_FLOW_PASSWORD,
  decision: args.decision ?? env.OAUTH2_FLOW_DECISION ?? 'allow',
  screenshots: args.screenshots ?? env.OAUTH2_FLOW_SCREENSHOTS,
  timeoutMs: Number(args['timeout-ms'] ?? env.OAUTH2_FLOW_TIMEOUT_MS ?? 60000),
  chromium: env.OAUTH2_TEST_CHROMIUM || '/usr/bin/chromium',
};

function emit(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}

function fail(error, extra = {}) {
  emit({ ok: false, error, ...extra });
  process.exitCode = 1;
}

const missing = ['baseUrl', 'authorizeUrl', 'redirectUri', 'username', 'password'].filter((k) => !config[k]);
if (missing.length > 0) {
  fail(`missing arguments: ${missing.join(', ')}`);
} else if (!['allow', 'deny'].includes(config.decision)) {
  fail(`--decision must be allow or deny, not '${config.decision}'`);
} else if (!Number.isFinite(config.timeoutMs) || config.timeoutMs <= 0) {
  fail('--timeout-ms must be a positive number');
} else {
  await run(config);
}

async function run(c) {
  const profile = await mkdtemp(path.join(tmpdir(), 'oauth2-flow-profile-'));
  const shots = c.screenshots ?? (await mkdtemp(path.join(tmpdir(), 'oauth2-flow-shots-')));
  await mkdir(shots, { recursive: true });
  const result = { ok: false, finalUrl: null, loginShown: false, consentShown: false, screenshots: {}, steps: [] };
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: c.chromium,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 800, height: 700 },
      timeout: c.timeoutMs,
    });
    context.setDefaultTimeout(c.timeoutMs);
    context.setDefaultNavigationTimeout(c.timeoutMs);

    // The client's redirect URI: answered here, so no server needs to listen there. Every request to its origin is
    // captured; the first one that starts with the redirect URI is the authorization response.
    const redirectOrigin = new URL(c.redirectUri).origin;
    let resolveRedirect;
    const redirected = new Promise((resolve) => { resolveRedirect = resolve; });
    await context.route((url) => url.origin === redirectOrigin, async (route) => {
      const url = route.request().url();
      if (url.startsWith(c.redirectUri)) {
        resolveRedirect(url);
      }
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>Client</title><p>The client received the response.</p>' });
    });

    const page = context.pages()[0] ?? (await context.newPage());
    const step = (name) => result.steps.push(name);

    step('open authorize URL');
    await page.goto(c.authorizeUrl, { waitUntil: 'domcontentloaded' });

    // Signed out (a fresh profile): the server sends the browser to its login page.
    const username = page.getByLabel('Username', { exact: true });
    const allow = page.getByRole('button', { name: 'Allow', exact: true });
    const first = await withTimeout(Promise.race([
      when(username.waitFor({ state: 'visible' }), 'login'),
      when(allow.waitFor({ state: 'visible' }), 'consent'),
      when(redirected, 'redirect'),
    ]), c.timeoutMs, `neither a login page, a consent page nor a redirect appeared (at ${page.url()})`);

    if (first === 'login') {
      result.loginShown = true;
      result.loginUrl = page.url();
      if (!page.url().startsWith(c.baseUrl)) {
        throw new Error(`the login page is not served by the server: ${page.url()}`);
      }

      result.screenshots.login = path.join(shots, 'login.png');
      await page.screenshot({ path: result.screenshots.login, fullPage: true });
      step('sign in');
      await username.fill(c.username);
      await page.getByLabel('Password', { exact: true }).fill(c.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();

      const alert = page.getByRole('alert');
      const next = await withTimeout(Promise.race([
        when(allow.waitFor({ state: 'visible' }), 'consent'),
        when(redirected, 'redirect'),
        when(alert.waitFor({ state: 'visible' }), 'alert'),
      ]), c.timeoutMs, `after signing in, neither a consent page, a redirect nor an error appeared (at ${page.url()})`);
      if (next === 'alert') {
        result.error = 'login_failed';
        result.message = (await alert.textContent())?.trim();
        result.finalUrl = page.url();
        emit(result);
        process.exitCode = 1;
        return;
      }

      if (next === 'consent') {
        await consent(page, c, result, shots, step);
      }
    } else if (first === 'consent') {
      await consent(page, c, result, shots, step);
    }

    step('wait for the redirect to the client');
    result.finalUrl = await withTimeout(redirected, c.timeoutMs, 'no redirect to the redirect URI');
    result.ok = true;
    emit(result);
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    result.ok = false;
    emit(result);
    process.exitCode = 1;
  } finally {
    if (context) {
      await context.close().catch(() => {});
    }
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

async function consent(page, c, result, shots, step) {
  result.consentShown = true;
  result.consentUrl = page.url();
  result.consentText = (await page.locator('main').innerText()).trim();
  result.screenshots.consent = path.join(shots, 'consent.png');
  await page.screenshot({ path: result.screenshots.consent, fullPage: true });
  step(`click ${c.decision}`);
  await page.getByRole('button', { name: c.decision === 'allow' ? 'Allow' : 'Deny', exact: true }).click();
}

// The losers of a race keep waiting until the browser closes; their failure then means nothing.
function when(promise, label) {
  return promise.then(() => label, () => new Promise(() => {}));
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); }),
  ]).finally(() => clearTimeout(timer));
}
