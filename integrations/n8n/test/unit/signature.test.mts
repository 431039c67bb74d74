import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifySignature } from '../../dist/nodes/MediaStudioTrigger/signature.js';

import { sign } from '../harness/studio.mts';

const secret = 'whsec_test';
const body = Buffer.from('{"event":"job.completed","job":{"id":"x","text":"Olá"}}');
const now = 1_750_000_000;

test('a delivery signed with the secret, now, is accepted', () => {
	assert.deepEqual(verifySignature(secret, body, sign(secret, body, now), 300, now), { ok: true });
});

test('a changed body, another secret, a missing or malformed header are refused', () => {
	const header = sign(secret, body, now);
	const tampered = Buffer.from(body.toString().replace('completed', 'failed'));
	assert.equal(verifySignature(secret, tampered, header, 300, now).ok, false);
	assert.deepEqual(verifySignature('whsec_other', body, header, 300, now), {
		ok: false,
		reason: 'signature does not match',
	});
	assert.deepEqual(verifySignature(secret, body, undefined, 300, now), {
		ok: false,
		reason: 'no x-studio-signature header',
	});
	for (const bad of ['garbage', `t=${now}`, `t=${now},v1=zz`, `t=soon,v1=${'a'.repeat(64)}`]) {
		assert.deepEqual(
			verifySignature(secret, body, bad, 300, now),
			{ ok: false, reason: 'malformed signature header' },
			bad,
		);
	}
});

test('an old (replayed) or future-dated delivery is refused outside the window', () => {
	assert.deepEqual(verifySignature(secret, body, sign(secret, body, now - 301), 300, now), {
		ok: false,
		reason: 'timestamp outside the 300 s replay window',
	});
	assert.equal(verifySignature(secret, body, sign(secret, body, now + 301), 300, now).ok, false);
	assert.equal(verifySignature(secret, body, sign(secret, body, now - 299), 300, now).ok, true);
});

test('the HMAC covers the raw bytes, not a re-serialised body', () => {
	const spaced = Buffer.from('{"event": "job.completed", "job": {"id": "x", "text": "Olá"}}');
	assert.equal(verifySignature(secret, spaced, sign(secret, body, now), 300, now).ok, false);
});
