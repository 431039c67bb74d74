import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaStudioApi } from '../../dist/credentials/MediaStudioApi.credentials.js';

import { authenticate, httpRequest, resolve, type Recorded } from '../harness/context.mts';
import { studio } from '../harness/studio.mts';

/** The credential's own test request, resolved and authenticated as n8n does when "Save" is pressed. */
async function credentialTest(apiKey: string): Promise<{ status: number; log: Recorded[] }> {
	const credentials = { ...studio, apiKey };
	const { request } = new MediaStudioApi().test;
	const log: Recorded[] = [];
	const options = authenticate(
		{
			method: request.method,
			url: request.url ?? '',
			baseURL: resolve(String(request.baseURL), credentials),
			ignoreHttpStatusErrors: true,
			returnFullResponse: true,
		},
		credentials,
	);
	const response = (await httpRequest(options, log)) as { statusCode: number };
	return { status: response.statusCode, log };
}

test('the credential test calls the account route with the key as a bearer token', async () => {
	const { status, log } = await credentialTest(studio.apiKey);
	assert.equal(status, 200);
	assert.equal(log[0].method, 'GET');
	assert.equal(log[0].path, '/api/v1/account');
	assert.equal(log[0].headers.authorization, `Bearer ${studio.apiKey}`);
});

test('a wrong key fails the credential test', async () => {
	assert.equal((await credentialTest('sk_studio_not_a_real_key')).status, 401);
});
