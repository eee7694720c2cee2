// Drives the admin console of this server in a real headless Chromium (Debian's chromium, driven by playwright-core):
// an admin signs in, opens the live event stream, and a token request made in another tab must appear in the stream;
// the admin pauses, resumes and replays a sink on the dashboard, disables a client, and rotates a
// webhook's secret; a user without the admin role gets 403; on the users page the admin changes a user's roles and
// unlocks a user whose sign-ins back off.
// Every page is screenshotted and checked with axe-core (@axe-core/playwright). Prints one JSON line:
//   {"ok":true,"streamLatencyMs":[...],"forbiddenStatus":403,"violations":{...},"screenshots":{...},"cspViolations":[]}
// or {"ok":false,"error":"...",...} with exit code 1.
//
// Arguments:
//   --base-url URL             the server
//   --admin-user NAME --admin-password SECRET     a user with the admin role
//   --user NAME --password SECRET                 a user without it
//   --client-id ID --client-secret SECRET         a confidential client_credentials client (the other tab's token requests)
//   --sink NAME                a durable sink to pause, resume and replay
//   --disable-client-id ID     a client to find in the clients page and disable (enabling it at once is refused)
//   --webhook-id ID            a webhook endpoint whose secret to rotate
//   --locked-user NAME         a user with failed sign-ins in a row, to unlock (the roles of --user are changed)
//   --screenshots DIR          where to save the pages' screenshots
//   --timeout-ms N             per step (default 60000)
// The browser is OAUTH2_TEST_CHROMIUM (default /usr/bin/chromium).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const { values: args } = parseArgs({
  options: Object.fromEntries(['base-url', 'admin-user', 'admin-password', 'user', 'password', 'client-id', 'client-secret', 'sink', 'disable-client-id', 'webhook-id', 'locked-user', 'screenshots', 'timeout-ms']
    .map((name) => [name, { type: 'string' }])),
  strict: true,
});
const base = args['base-url'];
const timeout = Number(args['timeout-ms'] ?? 60000);
const shots = args.screenshots;
const result = { ok: false, streamLatencyMs: [], violations: {}, screenshots: {}, cspViolations: [] };

function emit() {
  process.stdout.write(JSON.stringify(result) + '\n');
}

const browser = await chromium.launch({ executablePath: process.env.OAUTH2_TEST_CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  await mkdir(shots, { recursive: true });
  const admin = await browser.newContext();
  admin.setDefaultTimeout(timeout);
  const page = await admin.newPage();
  watchCsp(page);

  // Sign in through the console: it sends a signed-out browser to the sign-in page and back.
  await page.goto(base + '/admin');
  await page.waitForURL(/\/auth\/login\?returnUrl=/);
  await signIn(page, args['admin-user'], args['admin-password']);
  await page.waitForURL(base + '/admin');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await check(page, 'dashboard');

  // The live stream: a token request made in another tab appears at the top of the table.
  await page.goto(base + '/admin/events');
  await page.getByText('Live: new events appear at the top.').waitFor();
  const other = await admin.newPage();
  watchCsp(other);
  await other.goto(base + '/admin/keys');
  for (let i = 0; i < 3; i++) {
    const before = await page.locator('#events tr').count();
    const started = Date.now();
    const status = await other.evaluate(async ({ id, secret }) => {
      const response = await fetch('/oauth/token', {
        method: 'POST',
        headers: { authorization: 'Basic ' + btoa(`${id}:${secret}`), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      return response.status;
    }, { id: args['client-id'], secret: args['client-secret'] });
    if (status !== 200) throw new Error(`the other tab's token request answered ${status}`);
    await page.locator(`#events tr:nth-child(1) td:nth-child(2):text-is("token_created")`).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('#events tr').length > n, before);
    result.streamLatencyMs.push(Date.now() - started);
  }
  await check(page, 'live-events');
  await check(other, 'keys');

  // A sink: pause, resume, and replay what the log holds.
  const sink = args.sink;
  await page.goto(base + '/admin');
  await page.getByRole('button', { name: `Pause ${sink}` }).click();
  await page.getByText(`Sink ${sink} paused`).waitFor();
  await page.getByRole('row', { name: new RegExp(`^${sink}\\b`) }).getByText('paused').waitFor();
  await check(page, 'dashboard-paused');
  await page.getByRole('button', { name: `Resume ${sink}` }).click();
  await page.getByText(`Sink ${sink} resumed`).waitFor();
  const head = await page.locator('#log-head').textContent();
  const row = page.getByRole('row', { name: new RegExp(`^${sink}\\b`) });
  await row.getByLabel('From').fill('1');
  await row.getByLabel('to').fill(head.replace(/[^0-9]/g, ''));
  await page.getByRole('button', { name: `Replay ${sink}` }).click();
  await page.getByText(`Replay to sink ${sink} started`).waitFor();
  await check(page, 'dashboard-replay');

  // A client: found in the list, opened and disabled; enabling it at once is refused until its tokens' cut-off is over.
  const target = args['disable-client-id'];
  await page.goto(base + '/admin/clients');
  await page.getByLabel('Client id or name').fill(target);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: target }).waitFor();
  await check(page, 'clients');
  await page.getByRole('link', { name: target }).click();
  await page.getByRole('button', { name: `Disable ${target}` }).click();
  await page.getByText('Client disabled').waitFor();
  await check(page, 'client-disabled');
  await page.getByRole('button', { name: `Enable ${target}` }).click();
  await page.getByText('can be enabled from').waitFor();
  await check(page, 'client-enable-too-early');
  result.clientToggled = true;

  // A webhook's secret: rotated, the new one shown once.
  await page.goto(base + '/admin/webhooks');
  await check(page, 'webhooks');
  await page.getByRole('button', { name: `Rotate secret of ${args['webhook-id']}` }).click();
  await page.getByText('New secret').waitFor();
  result.rotatedSecretShown = /whsec_[A-Za-z0-9+/=]+/.test(await page.locator('main').textContent());
  await check(page, 'webhook-rotated');
  await page.goto(base + `/admin/webhooks/${encodeURIComponent(args['webhook-id'])}`);
  await check(page, 'webhook-attempts');

  // Users: the roles of the user without the admin role changed, and the user backing off unlocked.
  const locked = args['locked-user'];
  await page.goto(base + '/admin/users');
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const lockedRow = page.locator('tr', { has: page.locator(`th:text-is("${locked}")`) });
  result.backoffShown = (await lockedRow.locator('td').nth(4).textContent()).trim();
  await check(page, 'users');
  await page.getByLabel(`Roles of ${args.user}`, { exact: true }).fill('reader, auditor');
  await page.getByRole('button', { name: `Save roles of ${args.user}` }).click();
  await page.getByText(`Roles of ${args.user} saved.`).waitFor();
  await page.getByRole('button', { name: `Unlock ${locked}` }).click();
  await page.getByText(`${locked} unlocked`).waitFor();
  result.backoffAfterUnlock = (await lockedRow.locator('td').nth(4).textContent()).trim();
  await check(page, 'users-unlocked');
  await page.getByRole('link', { name: `Delete ${locked}` }).click();
  await page.getByRole('button', { name: `Delete ${locked}` }).waitFor();
  await check(page, 'user-delete-confirm');
  await page.getByRole('link', { name: 'Cancel, back to the users' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();

  // A user without the admin role.
  const plain = await browser.newContext();
  plain.setDefaultTimeout(timeout);
  const userPage = await plain.newPage();
  await userPage.goto(base + '/admin');
  await userPage.waitForURL(/\/auth\/login\?returnUrl=/);
  await signIn(userPage, args.user, args.password);
  await userPage.waitForURL(base + '/admin');
  const forbidden = await userPage.goto(base + '/admin');
  result.forbiddenStatus = forbidden.status();
  await check(userPage, 'forbidden');

  result.ok = true;
} catch (e) {
  result.error = e instanceof Error ? e.stack ?? e.message : String(e);
  process.exitCode = 1;
} finally {
  await browser.close();
  emit();
}

async function signIn(p, username, password) {
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

// A screenshot of the page, and its accessibility check (WCAG 2.1 A and AA rules): the serious and critical violations.
async function check(p, name) {
  const file = path.join(shots, `${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  result.screenshots[name] = file;
  const axe = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  result.violations[name] = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

// The pages' CSP must never have to refuse anything of theirs.
function watchCsp(p) {
  p.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) result.cspViolations.push(m.text());
  });
}
