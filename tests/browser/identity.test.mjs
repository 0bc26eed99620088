// The site's identity and nginx's own pages (issue 13), with the same page
// checks as every flow (axe, 375 and 1280 px, screenshots): a configured
// site_name, logo and footer links; the page nginx shows while the pool is
// down. Each test restarts the pool and leaves it as configured.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { poolOn, poolStart, poolStop, waitHealthy } from '../integration/lib/stack.mjs';
import { checkPage, finishFlow, launch, newPerson } from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const js of [true, false]) {
  const mode = js ? 'js' : 'no-js';
  const opts = js ? {} : { javaScriptEnabled: false };

  test(`a configured site name, logo and footer links (${mode})`, async () => {
    await poolOn({
      EMS_SITE_NAME: 'Kurse & Events Süd',
      EMS_SITE_LOGO_URL: '/static/favicon.svg',
      EMS_PRIVACY_URL: '/privacy',
      EMS_IMPRINT_URL: 'https://example.org/imprint',
    });
    const { context, page } = await newPerson(browser, `identity-${mode}`, 'visitor', opts);
    try {
      await page.goto('/auth/login');
      await checkPage(page, 'login with site name', { title: /^Login - Kurse & Events Süd$/ });
      assert.equal(await page.locator('header .brand').innerText(), 'Kurse & Events Süd');
      // The logo is decorative (the name is the link's text) and loads.
      const logo = page.locator('header .brand img.logo');
      assert.equal(await logo.getAttribute('alt'), '');
      assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loads');
      const footer = page.locator('footer');
      assert.match(await footer.innerText(), /Kurse & Events Süd/);
      assert.equal(await footer.getByRole('link', { name: 'Privacy' }).getAttribute('href'), '/privacy');
      assert.equal(await footer.getByRole('link', { name: 'Imprint' }).getAttribute('href'), 'https://example.org/imprint');
      finishFlow(page);
    } finally {
      await context.close();
      await poolOn({});
    }
  });

  test(`with the pool down, nginx's page looks like the app's (${mode})`, async () => {
    const { context, page } = await newPerson(browser, `nginx-502-${mode}`, 'visitor', opts);
    await poolStop();
    try {
      await page.goto('/auth/login');
      await checkPage(page, 'pool down', { status: 502, title: /^Service unavailable$/ });
      assert.equal(await page.locator('main h1').innerText(), 'Service unavailable');
      // Styled by the app's stylesheet: the card is a white panel, not the default.
      assert.equal(await page.locator('main .card').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');
      assert.equal(await page.locator('meta[name="viewport"]').getAttribute('content'), 'width=device-width, initial-scale=1');
      finishFlow(page);
    } finally {
      await context.close();
      await poolStart();
      await waitHealthy();
    }
  });
}
