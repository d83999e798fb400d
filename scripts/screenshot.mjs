// `make screenshot`: drives Debian's Chromium against a real local fleet and refreshes
// docs/img/chatfleet.png (desktop) and docs/img/chatfleet-phone.png, shown in the README.
import { launchChromium, startFleet } from '../services/testing/dist/index.js';

const fleet = await startFleet({ gateways: 0, wsGateways: 1 });
const browser = await launchChromium();
try {
  const url = `http://127.0.0.1:${fleet.wsGateways[0].wsPort}/`;
  const page = async (nick, width, height) => {
    const p = await (
      await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 })
    ).newPage();
    await p.goto(url);
    await p.fill('#nick', nick);
    await p.click('#start');
    await p.waitForSelector('#me');
    return p;
  };
  const say = async (p, text) => {
    await p.fill('#text', text);
    await p.press('#text', 'Enter');
    await p.waitForSelector(`#messages .text:text-is("${text}")`);
  };
  const ada = await page('ada', 1100, 640);
  const linus = await page('linus', 390, 720);
  const grace = await page('grace', 800, 600);
  for (const p of [ada, linus, grace]) {
    await p.fill('#room', 'lobby');
    await p.click('#join');
    await p.waitForSelector('#title:text-is("#lobby")');
  }
  await say(ada, 'morning all! anyone tried the new matchmaker tags?');
  await say(linus, 'yes: /match music found me a fellow synth nerd in 2 s');
  await say(grace, 'same here, and the TCP folks show up in rooms too');
  await say(ada, 'nc localhost 8888 and a browser in one conversation, nice');
  await grace.fill('#room', 'rust');
  await grace.click('#join');
  await grace.waitForSelector('#title:text-is("#rust")');
  await ada.waitForTimeout(5200); // the lobby refreshes its counts every 5 s
  await ada.click('#members-toggle');
  await ada.waitForSelector('#members li');
  await ada.screenshot({ path: 'docs/img/chatfleet.png' });
  await linus.screenshot({ path: 'docs/img/chatfleet-phone.png' });
  console.log('wrote docs/img/chatfleet.png and docs/img/chatfleet-phone.png');
} finally {
  await browser.close();
  await fleet.stop();
}
