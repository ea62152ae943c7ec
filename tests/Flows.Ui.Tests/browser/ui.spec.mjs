// Drives the Flows web UI in Debian's headless Chromium through playwright-core; started by
// BrowserTests.cs, which owns the server, the worker and the assertions on the server side.
// Input (environment): FLOWS_UI_URL, FLOWS_UI_KEY, FLOWS_UI_SCREENSHOTS, FLOWS_CHROMIUM (default /usr/bin/chromium).
// Output: progress lines, then one line "RESULT {json}"; exit code 1 with the reason on any failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.FLOWS_UI_URL;
const key = process.env.FLOWS_UI_KEY;
const shots = process.env.FLOWS_UI_SCREENSHOTS;
const executablePath = process.env.FLOWS_CHROMIUM || '/usr/bin/chromium';
if (!base || !key || !shots) throw new Error('FLOWS_UI_URL, FLOWS_UI_KEY and FLOWS_UI_SCREENSHOTS are required');

// A fresh profile each run; the flags keep Chromium off the (closed) network: see LAB.md.
const profile = mkdtempSync(join(tmpdir(), 'flows-ui-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const problems = [];
const step = (text) => console.log('step: ' + text);
const expect = (condition, message) => { if (!condition) throw new Error(message); };
const shot = (page, name) => page.screenshot({ path: join(shots, name + '.png'), fullPage: true });

try {
  const page = context.pages()[0] ?? await context.newPage();
  // Script errors and CSP violations show up here; any of them fails the test.
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.setDefaultTimeout(30_000);

  step('the dashboard asks for the API key');
  await page.goto(base + '/');
  expect(new URL(page.url()).pathname === '/login', 'expected the login form, got ' + page.url());
  await shot(page, '01-login');
  await page.fill('#key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Flow runs")');
  await shot(page, '02-dashboard');

  step('deployments list shows hello/arthur with its image digest');
  await page.click('nav >> text=Deployments');
  await page.waitForSelector('h1:text("Deployments")');
  const digest = await page.textContent('tr:has(a:text("hello/default")) td.digest');
  expect(digest?.startsWith('sha256:'), 'no digest shown for hello/default: ' + digest);
  await shot(page, '03-deployments');

  step('start hello/arthur from its page with a parameter');
  await page.click('a:text("hello/arthur")');
  await page.waitForSelector('#run-form');
  const prefilled = await page.inputValue('input[name="p.name"]');
  expect(prefilled === 'Arthur', 'the name field should be prefilled with the deployment parameter, was ' + prefilled);
  await page.fill('input[name="p.name"]', 'Arthur');
  await shot(page, '04-deployment-run-form');
  await Promise.all([page.waitForURL(/\/runs\/[0-9a-f-]{36}$/), page.click('#run-button')]);
  const runId = page.url().split('/runs/')[1];

  step('watch the run reach Completed and its log line arrive (live tail)');
  await page.waitForSelector('#run-state [data-state-type="completed"]', { timeout: 180_000 });
  await page.waitForSelector('#logs td:text-is("Hello, Arthur!")', { timeout: 60_000 });
  const timeline = await page.$$eval('#timeline li .state', (els) => els.map((e) => e.textContent));
  expect(timeline.includes('Running') && timeline.at(-1) === 'Completed', 'timeline: ' + timeline.join(' → '));
  const pid = (await page.textContent('#infrastructure-pid'))?.trim();
  expect(pid, 'no infrastructure pid shown');
  const foreign = await page.locator('#logs td:text-is("A line of another run")').count();
  expect(foreign === 0, "another run's log line shows in this run's logs");
  const parameters = await page.textContent('#parameters');
  expect(parameters.includes('"Arthur"'), 'parameters: ' + parameters);
  await shot(page, '05-run-completed');

  step('a fresh load of the run page renders the same from the server');
  await page.reload();
  expect(await page.isVisible('#logs td:text-is("Hello, Arthur!")'), 'log line missing after reload');

  step('the level filter hides INFO lines');
  await Promise.all([page.waitForURL(/level=40/), page.selectOption('#level', '40')]);
  await page.waitForSelector('#logs[data-level="40"]');
  const shownLevels = await page.$$eval('#logs tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  expect(shownLevels.every((l) => l === 'ERROR' || l === 'CRITICAL'), 'lines below ERROR shown with the ERROR filter: ' + shownLevels.join(', ') + ' at ' + page.url());
  expect(await page.locator('#logs td:text-is("Hello, Arthur!")').count() === 0, 'INFO line still shown with ERROR filter');
  await shot(page, '06-run-logs-error-filter');

  step('create a kubernetes work pool from the form');
  await page.click('nav >> text=Work pools');
  await page.waitForSelector('#pool-form');
  // The form's script toggles the fields on 'change'; wait for the state rather than read it at once (a busy
  // machine may run the handler a moment later). A state never reached fails the step after 5 s.
  const fieldsAre = (state, message) => page.waitForSelector('#kubernetes-only', { state, timeout: 5000 }).catch(() => expect(false, message));
  await fieldsAre('visible', 'kubernetes fields hidden for type kubernetes');
  await page.selectOption('#pool-type', 'process');
  await fieldsAre('hidden', 'kubernetes fields shown for type process');
  await page.selectOption('#pool-type', 'kubernetes');
  await page.fill('#pool-name', 'ui-kubernetes');
  await page.fill('#pool-namespace', 'flows');
  await page.fill('#pool-ttl', '600');
  await page.fill('#pool-watch', '120');
  await Promise.all([page.waitForURL(/#pool-ui-kubernetes$/), page.click('#pool-create')]);
  await page.waitForSelector('#pool-ui-kubernetes');
  const worker = await page.textContent('tr:has(strong:text-is("local")) .worker');
  expect(worker?.includes('last heartbeat'), 'worker heartbeat not shown: ' + worker);
  await shot(page, '07-work-pools');

  expect(problems.length === 0, problems.join('\n'));
  console.log('RESULT ' + JSON.stringify({ runId, timeline, pid }));
} catch (error) {
  console.error('FAILED: ' + (error?.stack ?? error));
  for (const p of problems) console.error(p);
  try { await shot(context.pages()[0], '99-failure'); } catch { /* best effort */ }
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
