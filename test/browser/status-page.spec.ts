import { expect, test, type Page } from '@playwright/test';
import { startStatusFixture, type StatusFixture } from './start-status.ts';

/**
 * The little of the DOM these tests touch inside the page. The project's tsconfig has no `dom` lib (the
 * code runs on Node), so `page.evaluate` callbacks reach the browser's globals through this type.
 */
interface BrowserElement {
  readonly text?: string;
  getAttribute(name: string): string | null;
}
interface BrowserGlobals {
  readonly __pwned?: unknown;
  readonly document: {
    readonly body: BrowserElement;
    readonly activeElement: BrowserElement | null;
    querySelectorAll(selector: string): Iterable<BrowserElement> & { readonly length: number };
  };
  getComputedStyle(element: BrowserElement): {
    readonly outlineStyle: string;
    readonly outlineWidth: string;
    readonly boxShadow: string;
    readonly backgroundColor: string;
  };
}

let bulwark: StatusFixture;

test.beforeAll(async () => {
  bulwark = await startStatusFixture();
});

test.afterAll(async () => {
  await bulwark.stop();
});

const open = async (page: Page) => {
  const response = await page.goto(`${bulwark.statusUrl}/`);
  expect(response?.status()).toBe(200);
};

test('renders components, the incident timeline newest first and the upcoming maintenance', async ({
  page,
}, testInfo) => {
  await open(page);
  const components = page.locator('section[aria-labelledby="components"]');
  const api = components.locator('li.c', { has: page.locator('.name', { hasText: /^API$/ }) });
  await expect(api.locator('.tag')).toHaveText('Partial outage');
  const platform = components.locator('li.grp', { has: page.getByRole('heading', { name: 'Platform' }) });
  await expect(platform).toBeVisible();
  await expect(platform.locator('.name', { hasText: 'Dashboard' })).toBeVisible();

  const incident = page.locator('article', { has: page.getByRole('link', { name: 'Elevated errors' }) });
  await expect(incident).toBeVisible();
  await expect(incident.locator('ol.tl > li > p.meta strong')).toHaveText(['Identified', 'Investigating']);
  await expect(incident.locator('ol.tl > li').first()).toContainText('Found it.');
  await expect(incident.locator('ol.tl > li').nth(1)).toContainText('investigating.');

  const upcoming = page.locator('section[aria-labelledby="upcoming"]');
  await expect(upcoming.getByRole('link', { name: 'Database upgrade' })).toBeVisible();

  const screenshot = testInfo.outputPath('status-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await testInfo.attach('status-page', { path: screenshot, contentType: 'image/png' });
});

test('the keyboard reaches the skip link, the main content and the incident permalink, with a visible focus', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();

  const permalink = page.getByRole('link', { name: 'Elevated errors' });
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).document.activeElement?.getAttribute('href'),
    );
    if (focused === `/incidents/${bulwark.incidentId}`) break;
  }
  await expect(permalink).toBeFocused();
  const focusStyle = await page.evaluate(() => {
    const browser = globalThis as unknown as BrowserGlobals;
    const active = browser.document.activeElement;
    if (!active) return { outline: 'none', outlineWidth: '0px', shadow: 'none' };
    const style = browser.getComputedStyle(active);
    return { outline: style.outlineStyle, outlineWidth: style.outlineWidth, shadow: style.boxShadow };
  });
  const hasOutline = focusStyle.outline !== 'none' && focusStyle.outlineWidth !== '0px';
  expect(hasOutline || focusStyle.shadow !== 'none', JSON.stringify(focusStyle)).toBe(true);
});

test('hostile markdown in an incident stays inert', async ({ page }) => {
  await open(page);
  const click = page.getByText('click', { exact: false }).filter({ hasText: '[click]' });
  if ((await click.count()) > 0) await click.first().click();
  const found = await page.evaluate(() => {
    const browser = globalThis as unknown as BrowserGlobals;
    const { document } = browser;
    return {
      pwned: browser.__pwned,
      scripts: [...document.querySelectorAll('script')].filter((s) => s.text?.includes('__pwned')).length,
      javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      onerror: document.querySelectorAll('[onerror]').length,
    };
  });
  expect(found).toEqual({ pwned: undefined, scripts: 0, javascriptLinks: 0, onerror: 0 });
  const incident = page.locator('article', { has: page.getByRole('link', { name: 'Elevated errors' }) });
  await expect(incident.locator('.md strong')).toHaveText('bold');
});

test('dark mode gives the page a dark background', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page);
  const luminance = await page.evaluate(() => {
    const browser = globalThis as unknown as BrowserGlobals;
    const color = browser.getComputedStyle(browser.document.body).backgroundColor;
    const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
    const linear = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return { color, value: 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b) };
  });
  expect(luminance.value, luminance.color).toBeLessThan(0.2);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the page still shows the components and the incident', async ({ page }) => {
    await open(page);
    await expect(page.locator('.name', { hasText: /^API$/ })).toBeVisible();
    await expect(page.locator('.name', { hasText: 'Dashboard' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Platform' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Elevated errors' })).toBeVisible();
    await expect(page.getByText('Found it.')).toBeVisible();
  });

  test('a visitor subscribes by keyboard alone: a labelled field, component boxes, a button', async ({
    page,
  }) => {
    await open(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Subscribe' }).click();
    await page.getByLabel('Email address').focus();
    await page.keyboard.type('ada@example.com');
    await page.keyboard.press('Tab');
    const api = page.getByRole('checkbox', { name: 'API', exact: true });
    await expect(api).toBeFocused();
    await page.keyboard.press('Space');
    await expect(api).toBeChecked();
    const submit = page.getByRole('button', { name: 'Subscribe' });
    // Past the other two boxes (the Platform group, its Dashboard) to the button.
    for (let presses = 0; presses < 3; presses++) await page.keyboard.press('Tab');
    await expect(submit).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  });
});
