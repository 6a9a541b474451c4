// The browser-test harness, for every panel area's specs:
//
//   const panel = await startPanel();            // beforeAll: own database + own panel server
//   const admin = await createAdmin(panel.db.prisma);
//   const browser = await launchBrowser();
//   const page = await (await newContext(browser, panel.url)).newPage();
//   await login(page, admin.email, admin.password);
//   ...; await screenshot(page, 'aliases-created');
//   afterAll: await browser.close(); await panel.stop();
export { startPanel, type Panel } from './harness';
export { startNext, type RunningPanel } from './panel';
export { createAdmin, type AdminFixture } from './fixtures';
export { launchBrowser, newContext, login, screenshot } from './browser';
export { ensureBuild } from './build';
export { signInHttp, signInMailboxHttp } from './http';
