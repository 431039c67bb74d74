import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { searchVoices } from '../../dist/nodes/MediaStudio/listSearch.js';

import { loadOptionsContext } from '../harness/context.mts';
import { fromList, quick, runError, runNode } from '../harness/run.mts';
import {
	api,
	bytesOf,
	looksLike,
	Receiver,
	sampleWav,
	sha256,
	sign,
	studio,
} from '../harness/studio.mts';

const speak = (text: string, extra: Record<string, unknown> = {}) => ({
	resource: 'speech',
	operation: 'generate',
	text,
	voice: fromList(''),
	options: quick,
	...extra,
});

const wavItem = () => [
	{
		json: {},
		binary: {
			data: { data: sampleWav().toString('base64'), mimeType: 'audio/wav', fileName: 'me.wav' },
		},
	},
];

let receiver: Receiver;
before(async () => {
	receiver = await new Receiver().start();
});
after(async () => await receiver.stop());

test('generate speech waits for the job and hands over the audio as binary data', async () => {
	const { items, requests } = await runNode(
		speak('Olá, eu sou a Luna.', { additionalFields: { language: 'pt-br', format: 'wav' } }),
	);
	assert.equal(items.length, 1);
	const job = items[0].json as any;
	assert.equal(job.status, 'completed');
	assert.equal(job.type, 'audio.synthesize');
	const audio = bytesOf(items[0].binary?.data);
	assert.ok(looksLike.wav(audio), 'the binary is a WAV file');
	assert.equal(
		sha256(audio),
		job.assets[0].sha256,
		'the bytes are the job asset the studio recorded',
	);
	assert.equal(items[0].binary?.data.mimeType, 'audio/wav');
	const [submit, download] = requests;
	assert.equal(submit.method, 'POST');
	assert.equal(submit.path, '/api/v1/audio/generate-speech');
	assert.deepEqual(submit.body, { text: 'Olá, eu sou a Luna.', language: 'pt-br', format: 'wav' });
	assert.equal(
		submit.headers.prefer,
		'wait=60',
		'the first minute is awaited in the request itself',
	);
	assert.equal(submit.headers.authorization, `Bearer ${studio.apiKey}`);
	assert.equal(download.path, `/api/v1/assets/${job.assets[0].id}/download`);
	assert.deepEqual(download.query, { mode: 'stream' });
	assert.equal(requests.length, 2, 'no polling was needed');
});

test('without waiting, the queued job comes back at once with no binary', async () => {
	const { items, requests } = await runNode(speak('later', { waitForCompletion: false }));
	const job = items[0].json as any;
	assert.ok(['queued', 'submitted', 'running'].includes(job.status), job.status);
	assert.equal(items[0].binary, undefined);
	assert.equal(requests.length, 1);
	assert.equal(requests[0].headers.prefer, undefined);
});

test('a failing job is an error naming the job and the reason; continue-on-fail turns it into an item', async () => {
	const { error } = await runError(speak('[fail] please'));
	assert.match(
		error.message,
		/^Job [0-9a-f-]{36} \(audio\.synthesize\) failed: the fake backend refuses requests marked \[fail\]/,
	);
	const { items } = await runNode(speak('[fail] again'), { continueOnFail: true });
	assert.match(String(items[0].json.error), /failed: the fake backend refuses/);
	assert.deepEqual(items[0].pairedItem, { item: 0 });
});

test('bad input is refused by the studio with its own explanation, and no job is left behind', async () => {
	const { error } = await runError(speak('   '));
	assert.equal(error.httpCode, '400');
	assert.match(error.message, /^Media Studio: invalid request: .*text/);
	const jobs = (await api('GET', '/api/v1/jobs?type=audio.synthesize&limit=200')).body.items;
	assert.ok(!jobs.some((job: any) => job.parameters.text === '   '));
});

test('a job that outlasts Max Wait Time stops the wait with a clear error and keeps running', async () => {
	const { error, requests } = await runError(
		speak('[stall] long take', { options: { pollInterval: 0.2, maxWaitTime: 1 } }),
	);
	assert.match(
		error.message,
		/^Stopped waiting after 1 s: job [0-9a-f-]{36} \(audio\.synthesize\) is still (submitted|running)/,
	);
	assert.equal(requests[0].headers.prefer, 'wait=1');
	const jobs = (await api('GET', '/api/v1/jobs?type=audio.synthesize&limit=200')).body.items;
	const jobId = jobs.find((job: any) => job.parameters.text === '[stall] long take').id;
	const cancelled = await runNode({ resource: 'job', operation: 'cancel', jobId });
	assert.equal((cancelled.items[0].json as any).status, 'cancelled');
});

test("a callback URL gets the signed outcome, signed with the key's webhook secret", async () => {
	const url = receiver.url('/callback');
	const { items, requests } = await runNode(
		speak('call me back', { waitForCompletion: false, options: { callbackUrl: url } }),
	);
	assert.deepEqual((requests[0].body as any).webhook, { url });
	const deliveries = await receiver.waitFor(1);
	const delivery = deliveries.find((entry) => entry.path === '/callback');
	assert.ok(delivery);
	const payload = JSON.parse(delivery.rawBody.toString());
	assert.equal(payload.event, 'job.completed');
	assert.equal(payload.job.id, (items[0].json as any).id);
	const secret = (await api('GET', '/api/v1/account')).body.webhook_secret;
	const [t] = delivery.headers['x-studio-signature'].split(',');
	assert.equal(
		delivery.headers['x-studio-signature'],
		sign(secret, delivery.rawBody, Number(t.slice(2))),
	);
});

test('clone a voice from a binary field, wait until it is ready, then speak with it', async () => {
	const name = `Minha voz ${Date.now()}`;
	const cloned = await runNode(
		{
			resource: 'speech',
			operation: 'cloneVoice',
			binaryPropertyName: 'data',
			name,
			language: 'pt-br',
			options: quick,
		},
		{ items: wavItem() },
	);
	const voice = cloned.items[0].json as any;
	assert.equal(voice.status, 'ready');
	assert.equal(voice.name, name);
	assert.equal(voice.job.type, 'audio.register_voice');
	assert.equal(voice.job.status, 'completed');
	assert.match(
		String(cloned.requests[0].headers['content-type']),
		/^multipart\/form-data; boundary=/,
	);

	const spoken = await runNode(speak('Com a minha voz.', { voice: fromList(voice.id) }));
	assert.equal((spoken.requests[0].body as any).voice_id, voice.id);
	assert.ok(looksLike.wav(bytesOf(spoken.items[0].binary?.data)));

	const listed = await runNode({ resource: 'speech', operation: 'listVoices', returnAll: true });
	assert.ok(listed.items.some((item) => item.json.id === voice.id));
	const { ctx } = loadOptionsContext(studio);
	const found = await searchVoices.call(ctx, name.toUpperCase());
	assert.deepEqual(
		found.results.map((result) => result.value),
		[voice.id],
	);
	assert.equal(found.results[0].name, `${name} (pt-br)`);
});

test('cloning refuses a missing binary field before anything is sent', async () => {
	const { error, requests } = await runError({
		resource: 'speech',
		operation: 'cloneVoice',
		binaryPropertyName: 'voice',
		name: 'x',
		options: quick,
	});
	assert.match(error.message, /binary file 'voice'/);
	assert.equal(requests.length, 0);
});

test('a voice another key owns is not found', async () => {
	const theirs = await runNode(
		{
			resource: 'speech',
			operation: 'cloneVoice',
			binaryPropertyName: 'data',
			name: 'Theirs',
			options: quick,
		},
		{
			items: wavItem(),
			credentials: { ...studio, apiKey: process.env.STUDIO_OTHER_API_KEY ?? '' },
		},
	);
	const { error } = await runError(
		speak('borrowed', { voice: fromList(String(theirs.items[0].json.id)) }),
	);
	assert.equal(error.httpCode, '404');
	assert.match(error.message, /^Media Studio: voice .* not found/);
});

test('music generation returns the track', async () => {
	const { items, requests } = await runNode({
		resource: 'music',
		operation: 'generate',
		description: 'calm warm piano',
		duration: 12,
		additionalFields: { seed: 7 },
		options: quick,
	});
	assert.deepEqual(requests[0].body, {
		description: 'calm warm piano',
		duration_seconds: 12,
		seed: 7,
	});
	assert.equal((items[0].json as any).type, 'audio.generate_music');
	assert.ok(looksLike.wav(bytesOf(items[0].binary?.data)));
});
