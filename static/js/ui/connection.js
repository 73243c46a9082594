// Whether the server answers. Requests and the live socket report what they
// see; a failure is confirmed against /api/health before a banner says so,
// and the banner goes away by itself as soon as the server answers again.

const CONFIRM_AFTER_MS = 1500;
const PROBE_EVERY_MS = 4000;

let down = false;
let confirmTimer = 0;
let probeTimer = 0;

/** Reports a request that reached the server ('up') or did not ('down'). */
export function reportNetwork(state) {
  if (state === 'up') answered();
  else suspect();
}

function suspect() {
  if (down || confirmTimer) return;
  confirmTimer = setTimeout(() => {
    confirmTimer = 0;
    probe();
  }, CONFIRM_AFTER_MS);
}

async function probe() {
  clearTimeout(probeTimer);
  try {
    const response = await fetch('/api/health', { cache: 'no-store' });
    if (response.ok) {
      answered();
      return;
    }
  } catch {
    // Not reachable: say so below.
  }
  paint(true);
  probeTimer = setTimeout(probe, PROBE_EVERY_MS);
}

function answered() {
  clearTimeout(confirmTimer);
  clearTimeout(probeTimer);
  confirmTimer = 0;
  paint(false);
}

function paint(isDown) {
  if (down === isDown) return;
  down = isDown;
  document.documentElement.dataset.server = isDown ? 'down' : 'up';
  const banner = document.getElementById('net-status');
  if (!banner) return;
  banner.hidden = !isDown;
  banner.textContent = isDown ? (navigator.onLine ? 'Shutterbug is not answering. Trying again…' : 'You are offline. Trying again…') : '';
}

window.addEventListener('offline', suspect);
window.addEventListener('online', probe);
