import { App } from './app.js';
import { replace } from './dom.js';
import { view } from './views.js';

const root = document.getElementById('app');
if (root) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let scheduled = false;
  // Renders at most once a frame, however many frames arrive.
  const render = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      // Re-rendering replaces the inputs: carry over what was typed, and the focus.
      const typed = new Map<string, string>();
      for (const i of root.querySelectorAll('input')) if (i.id) typed.set(i.id, i.value);
      const focused =
        document.activeElement instanceof HTMLInputElement ? document.activeElement.id : '';
      replace(root, view(app));
      for (const [id, value] of typed) {
        const again = document.getElementById(id);
        if (again instanceof HTMLInputElement && !again.disabled) again.value = value;
      }
      const target = document.getElementById(focused || 'text');
      if (target instanceof HTMLInputElement && !target.disabled) target.focus();
    });
  };
  const app = new App(url, render);
  app.start();
  render();
}
