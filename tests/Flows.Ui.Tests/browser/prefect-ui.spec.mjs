// Drives Prefect's own web UI (tests/Flows.Ui.Tests/prefect-ui, served by our server at /prefect-ui) in Debian's
// headless Chromium through playwright-core; started by PrefectUiTests.cs, which owns the server, the worker and
// the assertions on the server side.
// Input (environment): FLOWS_UI_URL (the server's origin), FLOWS_UI_KEY, FLOWS_UI_SCREENSHOTS, FLOWS_CHROMIUM,
// FLOWS_PREFECT_UI_SEED (JSON: flowId, deploymentId, deploymentName, pool, queue, parameter, newPool).
// Every page is checked the same way: it shows its own content, no API call is answered with status >= 400,
// no request fails, and the console shows no error. Every problem is listed under its page; the exit code is 1
// when there is any. Output: progress lines, "PAGE <name>: ..." lines, then one line "RESULT {json}".
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const origin = process.env.FLOWS_UI_URL;
const key = process.env.FLOWS_UI_KEY;
const shots = process.env.FLOWS_UI_SCREENSHOTS;
const seed = JSON.parse(process.env.FLOWS_PREFECT_UI_SEED ?? 'null');
const executablePath = process.env.FLOWS_CHROMIUM || '/usr/bin/chromium';
// FLOWS_UI_KEY empty: a key-less server (the dev default), where the app shows no login and every call must pass the
// server's cross-site checks (Host, Origin, Sec-Fetch-Site, JSON bodies).
if (!origin || key === undefined || !shots || !seed) throw new Error('FLOWS_UI_URL, FLOWS_UI_KEY (empty for a key-less server), FLOWS_UI_SCREENSHOTS and FLOWS_PREFECT_UI_SEED are required');
const ui = origin + '/prefect-ui';

const profile = mkdtempSync(join(tmpdir(), 'flows-prefect-ui-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 1000 },
});

const pages = [];
let current = { name: 'login', problems: [], loggedIn: false };
pages.push(current);
const pending = [];
const step = (text) => console.log('step: ' + text);
const shot = (page, name) => page.screenshot({ path: join(shots, name + '.png'), fullPage: true }).catch(() => {});

// Before the login the app's auth check is meant to get 401 (that is how it knows to show the form): those
// calls, and the console errors the app logs for them (minified error objects naming no call), are not problems;
// any other status before the login still is. After the login nothing is excused.
const excused = (status) => !current.loggedIn && status === 401;

function watch(page) {
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/api/') || response.status() < 400 || excused(response.status())) return;
    const record = current;
    const request = response.request();
    const body = (request.postData() ?? '').slice(0, 300);
    pending.push(response.text().catch(() => '').then((text) => {
      record.problems.push(`${request.method()} ${url.pathname}${url.search} -> ${response.status()} ${text.slice(0, 200)}${body ? '  (request: ' + body + ')' : ''}`);
    }));
  });
  page.on('requestfailed', (request) => {
    const url = new URL(request.url());
    // ERR_ABORTED is the app cancelling its own request (it does when a page's filters settle): nothing was answered.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    if (url.origin === origin) current.problems.push(`request failed: ${request.method()} ${url.pathname} (${request.failure()?.errorText})`);
  });
  page.on('pageerror', (error) => current.problems.push('page error: ' + error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (!current.loggedIn) return;
    // A failed load's message names no URL: the location does.
    const where = message.location()?.url ? ` (${message.location().url})` : '';
    current.problems.push('console error: ' + message.text().slice(0, 300) + where);
  });
}

// Waits until the page has settled: no request for half a second (bounded: some pages poll), then a moment for
// late calls to be answered and recorded.
async function settle(page) {
  await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(1_000);
  await Promise.all(pending.splice(0));
}

// Opens a page by its URL (a fresh load, as a bookmark would) and checks it shows `expected` (texts).
async function visit(page, name, path, expected, then) {
  current = { name, path, problems: [], loggedIn: true };
  pages.push(current);
  step(`${name}: ${path}`);
  try {
    await page.goto(ui + path);
    for (const text of expected) {
      await page.getByText(text, { exact: false }).first().waitFor({ timeout: 30_000 });
    }
    if (then) await then();
    await settle(page);
  } catch (error) {
    current.problems.push('did not load: ' + String(error?.message ?? error).split('\n')[0]);
    await settle(page).catch(() => {});
  }
  if (new URL(page.url()).pathname.endsWith('/404')) current.problems.push('the app answered its 404 page');
  await shot(page, name);
}

// Clicks a tab of the current page and checks the tab shows `expected`.
async function tab(page, name, tabName, expected) {
  current = { name, path: '(tab ' + tabName + ')', problems: [], loggedIn: true };
  pages.push(current);
  step(`${name}: tab ${tabName}`);
  try {
    await page.locator('[role=tablist] li.p-tab').filter({ hasText: new RegExp(`^\\s*${tabName}\\s*$`) }).first().click();
    for (const text of expected) {
      await page.getByText(text, { exact: false }).first().waitFor({ timeout: 30_000 });
    }
    await settle(page);
  } catch (error) {
    current.problems.push('did not load: ' + String(error?.message ?? error).split('\n')[0]);
    await settle(page).catch(() => {});
  }
  await shot(page, name);
}

let runId = null;
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  watch(page);

  if (key) {
    step('the app asks for a password (auth: BASIC) and accepts the API key');
    await page.goto(ui + '/dashboard');
    await page.waitForURL(/\/prefect-ui\/login/);
    await shot(page, '00-login');
    await page.locator('input[type=password]').fill('admin:' + key);
    await page.locator('button[type=submit]').click();
  } else {
    step('a key-less server: the app opens without a login');
    current.loggedIn = true;
    await page.goto(ui + '/dashboard');
  }
  await page.waitForURL(/\/prefect-ui\/dashboard/);
  current.loggedIn = true;
  await settle(page);

  await visit(page, '01-dashboard', '/dashboard', ['Dashboard']);

  // The custom run first, so every page after it shows a real run (and its logs) made through Prefect's UI.
  await visit(page, '02-deployment-custom-run', `/deployments/deployment/${seed.deploymentId}/run`, ['Run Name', 'Parameters'], async () => {
    // The flow's one parameter, `name`: the schema form renders a string as a textarea (Run Name is an input).
    await page.locator('textarea').first().fill(seed.parameter);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL((url) => url.pathname === `/prefect-ui/deployments/deployment/${seed.deploymentId}`);
  });

  await visit(page, '03-deployment-runs-tab', `/deployments/deployment/${seed.deploymentId}?tab=Runs`, [seed.deploymentName], async () => {
    const link = page.locator('a[href*="/prefect-ui/runs/flow-run/"]').first();
    await link.waitFor({ timeout: 30_000 });
    runId = (await link.getAttribute('href')).split('/runs/flow-run/')[1].split(/[?#]/)[0];
  });

  if (runId) {
    await visit(page, '04-flow-run-logs', `/runs/flow-run/${runId}`, [seed.deploymentName], async () => {
      // The process worker runs it; Prefect's page polls the run and its logs.
      await page.getByText('Completed', { exact: true }).first().waitFor({ timeout: 180_000 });
      await page.getByText(`Hello, ${seed.parameter}!`).first().waitFor({ timeout: 60_000 });
    });
    for (const [suffix, tabName, expected] of [['task-runs', 'Task Runs', []], ['subflow-runs', 'Subflow Runs', []], ['artifacts', 'Artifacts', []],
      ['details', 'Details', [seed.deploymentName]], ['parameters', 'Parameters', [seed.parameter]], ['job-variables', 'Job Variables', []]]) {
      await tab(page, '04-flow-run-' + suffix, tabName, expected);
    }
  } else {
    pages.push({ name: '04-flow-run-logs', problems: ['no run link on the deployment Runs tab: the custom run was not created'] });
  }

  await visit(page, '05-runs', '/runs', [seed.deploymentName]);
  await visit(page, '06-flows', '/flows', ['hello']);
  await visit(page, '07-flow', `/flows/flow/${seed.flowId}`, ['hello', seed.deploymentName]);
  await tab(page, '07-flow-deployments', 'Deployments', [seed.deploymentName]);
  await tab(page, '07-flow-details', 'Details', ['hello']);
  await visit(page, '08-deployments', '/deployments', [seed.deploymentName]);
  await visit(page, '09-deployment', `/deployments/deployment/${seed.deploymentId}`, [seed.deploymentName]);
  for (const [suffix, tabName, expected] of [['upcoming', 'Upcoming', []], ['parameters', 'Parameters', ['Arthur']], ['configuration', 'Configuration', []],
    ['description', 'Description', []]]) {
    await tab(page, '09-deployment-' + suffix, tabName, expected);
  }
  await visit(page, '10-work-pools', '/work-pools', [seed.pool]);
  await visit(page, '11-work-pool', `/work-pools/work-pool/${seed.pool}`, [seed.pool]);
  await tab(page, '12-work-pool-runs', 'Runs', [seed.deploymentName]);
  await tab(page, '13-work-pool-queues', 'Work Queues', [seed.queue]);
  await tab(page, '14-work-pool-workers', 'Workers', ['Online']);
  await tab(page, '14b-work-pool-deployments', 'Deployments', [seed.deploymentName]);
  await visit(page, '15-work-queue', `/work-pools/work-pool/${seed.pool}/queue/${seed.queue}`, [seed.queue]);
  await visit(page, '16-blocks', '/blocks', ['Blocks']);
  await visit(page, '17-variables', '/variables', ['Variables']);
  await visit(page, '18-automations', '/automations', ['Automations']);
  await visit(page, '19-events', '/events', ['Event Feed']);
  await visit(page, '20-concurrency', '/concurrency-limits', ['Concurrency']);
  await visit(page, '20b-settings', '/settings', ['Settings']);

  // The seed's UI step: a kubernetes pool with the seed's job defaults, made in Prefect's own wizard.
  await visit(page, '21-work-pool-create', '/work-pools', ['Work Pools'], async () => {
    await page.locator('a[href$="/work-pools/create"]').first().click();
    await page.getByText('Kubernetes', { exact: true }).first().click();
    await page.getByRole('button', { name: 'Next' }).click();
    await fillField(page, 'Name', seed.newPool);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Finished Job TTL').first().waitFor();
    await fillField(page, 'Finished Job TTL', '60', 'integer');
    await fillField(page, 'Pod Watch Timeout Seconds', '300');
    await fillField(page, 'Namespace', 'prefect');
    await shot(page, '21-work-pool-create-form');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL((url) => url.pathname === `/prefect-ui/work-pools/work-pool/${seed.newPool}`);
  });
  await visit(page, '22-new-work-pool', `/work-pools/work-pool/${seed.newPool}`, [seed.newPool, 'prefect']);
} catch (error) {
  current.problems.push('FAILED: ' + (error?.stack ?? error));
  await shot(context.pages()[0], '99-failure');
} finally {
  await Promise.all(pending.splice(0));
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

// A visible field of Prefect's forms (the wizard keeps every step in the page), found by its label (with or without "(Optional)"): a plain field is the input of the
// div.p-label whose label it is; a field that may be null (anyOf [T, null]) is a section headed by the label, whose
// type buttons choose T (`type`) before its input is filled.
async function fillField(page, label, value, type) {
  const exact = new RegExp(`^\\s*${label}( \\(Optional\\))?\\s*$`);
  const anyOf = page.locator('div.schema-form-property-any-of')
    .filter({ has: page.locator('h3.schema-form-property-any-of__section-header', { hasText: exact }), visible: true });
  if (await anyOf.count() > 0) {
    const section = anyOf.first();
    if (type) await section.locator('.p-button-group button', { hasText: type }).first().click();
    await section.locator('input, textarea').first().fill(value);
    return;
  }
  await page.locator('div.p-label').filter({ has: page.locator('label.p-label__label', { hasText: exact }), visible: true }).first()
    .locator('input, textarea').first().fill(value);
}

const failing = pages.filter((p) => p.problems.length > 0);
for (const p of pages) {
  console.log(`PAGE ${p.name}${p.path ? ' ' + p.path : ''}: ${p.problems.length === 0 ? 'ok' : p.problems.length + ' problem(s)'}`);
  for (const problem of p.problems) console.log('    ' + problem);
}
console.log('RESULT ' + JSON.stringify({ runId, pages: pages.map((p) => ({ name: p.name, problems: p.problems })) }));
if (failing.length > 0) {
  console.error(`FAILED: ${failing.length} of ${pages.length} pages had problems: ${failing.map((p) => p.name).join(', ')}`);
  process.exitCode = 1;
}
