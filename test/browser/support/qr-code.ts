import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Locator } from 'playwright-core';

/** What a phone's camera would read: a screenshot of the element, decoded by jsqr (issue 4 §9). */
export async function readQrCode(element: Locator): Promise<string> {
  const png = PNG.sync.read(await element.screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!code) {
    throw new Error(`no QR code found in a ${png.width}×${png.height} screenshot`);
  }
  return code.data;
}
