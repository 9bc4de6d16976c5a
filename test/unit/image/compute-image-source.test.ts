// Which image source a compute process uses: the store in place where this
// machine holds it, else the image API; `[magnetar] compute_image_source` forces one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config.js';
import { computeImageSource, computeImageSourceKind } from '../../../src/image/compute-image-source.js';
import { HttpGuestImageSource } from '../../../src/image/http-guest-image-source.js';

const conf = (state: string, extra: readonly string[] = []) => loadConfig({ overrides: [`DEFAULT.state_path=${state}`, ...extra] });

describe('compute image source choice', () => {
  it('auto reads the image store in place when its directory is there, else goes through the image API', () => {
    const state = mkdtempSync(join(tmpdir(), 'magnetar-image-source-'));
    try {
      assert.equal(computeImageSourceKind(conf(state)), 'http');
      const http = computeImageSource(conf(state));
      assert.ok(http instanceof HttpGuestImageSource);
      mkdirSync(join(state, 'images'));
      assert.equal(computeImageSourceKind(conf(state)), 'local');
      assert.ok(!(computeImageSource(conf(state)) instanceof HttpGuestImageSource));
      if (process.getuid?.() !== 0) {
        // An unreadable store is not this host's to read (root reads anything, so this holds for other users only).
        chmodSync(join(state, 'images'), 0o000);
        assert.equal(computeImageSourceKind(conf(state)), 'http');
        chmodSync(join(state, 'images'), 0o755);
      }
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('the option forces either source, and refuses an unknown value', () => {
    const state = mkdtempSync(join(tmpdir(), 'magnetar-image-source-'));
    try {
      assert.equal(computeImageSourceKind(conf(state, ['magnetar.compute_image_source=local'])), 'local');
      mkdirSync(join(state, 'images'));
      assert.equal(computeImageSourceKind(conf(state, ['magnetar.compute_image_source=http'])), 'http');
      assert.throws(() => computeImageSourceKind(conf(state, ['magnetar.compute_image_source=nfs'])), /compute_image_source = nfs/);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
