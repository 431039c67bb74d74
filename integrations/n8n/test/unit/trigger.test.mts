import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IDataObject } from 'n8n-workflow';
import { MediaStudioTrigger } from '../../dist/nodes/MediaStudioTrigger/MediaStudioTrigger.node.js';

import { hookContext, webhookContext, type Recorded } from '../harness/context.mts';
import { api, OlderStudio, Receiver, sign, studio, type Delivery } from '../harness/studio.mts';

const trigger = new MediaStudioTrigger();
const hooks = trigger.webhookMethods.default;

let receiver: Receiver;
before(async () => {
	receiver = await new Receiver().start();
});
after(async () => await receiver.stop());

/** One workflow's trigger: its parameters, its static data, and the URL n8n gives it. */
function workflow(parameters: IDataObject, path = `/wf-${Math.random().toString(36).slice(2)}`) {
	const staticData: IDataObject = {};
	const url = receiver.url(path);
	const hook = (params: IDataObject = parameters) =>
		hookContext({ credentials: studio, parameters: params, staticData, webhookUrl: url });
	const deliver = async (
		delivery: { headers: Record<string, string>; rawBody: Buffer },
		params: IDataObject = parameters,
	) => {
		const { ctx, answer } = webhookContext({
			credentials: studio,
			parameters: params,
			staticData,
			...delivery,
		});
		return { result: await trigger.webhook.call(ctx), answer };
	};
	const received = async (count = 1): Promise<Delivery[]> => {
		const deadline = Date.now() + 20_000;
		while (receiver.deliveries.filter((entry) => entry.path === path).length < count) {
			if (Date.now() > deadline) throw new Error(`no delivery to ${path}`);
			await new Promise((done) => setTimeout(done, 50));
		}
		return receiver.deliveries.filter((entry) => entry.path === path);
	};
	return { staticData, url, hook, deliver, received };
}

const paths = (requests: Recorded[]) =>
	requests.map((request) => `${request.method} ${request.path}`);

test('activation registers the webhook, keeps its id and secret, and a signed job.completed starts the workflow', async () => {
	const parameters = { events: ['job.completed'], jobTypes: ['audio.synthesize'], options: {} };
	const wf = workflow(parameters);

	const first = wf.hook();
	assert.equal(await hooks.checkExists.call(first.ctx), false, 'nothing registered yet');
	assert.deepEqual(first.requests, [], 'without an id there is nothing to ask');

	const created = wf.hook();
	assert.equal(await hooks.create.call(created.ctx), true);
	assert.deepEqual(paths(created.requests), ['POST /api/v1/webhooks']);
	assert.deepEqual(created.requests[0].body, {
		url: wf.url,
		events: ['job.completed'],
		job_types: ['audio.synthesize'],
	});
	assert.match(String(wf.staticData.webhookId), /^[0-9a-f-]{36}$/);
	assert.match(String(wf.staticData.webhookSecret), /^whsec_/);
	const registered = (await api('GET', '/api/v1/webhooks')).body.find(
		(hook: any) => hook.id === wf.staticData.webhookId,
	);
	assert.deepEqual(
		[registered.url, registered.events, registered.job_types],
		[wf.url, ['job.completed'], ['audio.synthesize']],
	);

	const again = wf.hook();
	assert.equal(await hooks.checkExists.call(again.ctx), true, 'a second activation finds it');

	const job = (await api('POST', '/api/v1/audio/generate-speech', { text: 'trigger me' })).body;
	await api('POST', '/api/v1/image/generate', { prompt: 'not this type' });
	// Other test files run jobs with this key too: pick the delivery about this job.
	const deadline = Date.now() + 20_000;
	let delivery: Delivery | undefined;
	while (!delivery && Date.now() < deadline) {
		delivery = (await wf.received(1)).find(
			(entry) => JSON.parse(entry.rawBody.toString()).job.id === job.id,
		);
		if (!delivery) await new Promise((done) => setTimeout(done, 50));
	}
	assert.ok(delivery, "the studio delivered this job's completion");
	assert.equal(delivery.headers['x-studio-event'], 'job.completed');
	const { result, answer } = await wf.deliver(delivery);
	assert.equal(answer.status, undefined, 'the trigger did not refuse it');
	const [items] = result.workflowData ?? [];
	assert.equal(items.length, 1);
	assert.equal(items[0].json.event, 'job.completed');
	assert.equal((items[0].json.job as any).id, job.id);
	assert.equal((items[0].json.job as any).assets[0].type, 'audio');
	assert.equal(items[0].json.delivery_id, delivery.headers['x-studio-delivery']);
	await new Promise((done) => setTimeout(done, 500));
	const types = (await wf.received()).map((entry) => JSON.parse(entry.rawBody.toString()).job.type);
	assert.ok(
		types.every((type) => type === 'audio.synthesize'),
		`only the filtered job type is delivered: ${types}`,
	);

	const removed = wf.hook();
	assert.equal(await hooks.delete.call(removed.ctx), true);
	assert.deepEqual(paths(removed.requests), [`DELETE /api/v1/webhooks/${registered.id}`]);
	assert.deepEqual(wf.staticData, {}, 'deactivation forgets the id and the secret');
	assert.ok(
		!(await api('GET', '/api/v1/webhooks')).body.some((hook: any) => hook.id === registered.id),
	);
});

test('a bad, stale, foreign or missing signature is refused with 401 and starts nothing', async () => {
	const parameters = { events: ['job.completed'], jobTypes: [], options: { replayWindow: 60 } };
	const wf = workflow(parameters);
	await hooks.create.call(wf.hook().ctx);
	await api('POST', '/api/v1/audio/generate-speech', { text: 'sign me' });
	const [delivery] = await wf.received(1);
	const secret = String(wf.staticData.webhookSecret);
	const body = delivery.rawBody;
	const tampered = Buffer.from(body.toString().replace('"job.completed"', '"job.completed" '));
	const forged: Array<{ name: string; headers: Record<string, string>; rawBody: Buffer }> = [
		{ name: 'tampered body', headers: delivery.headers, rawBody: tampered },
		{
			name: 'stale (replayed)',
			headers: {
				...delivery.headers,
				'x-studio-signature': sign(secret, body, Math.floor(Date.now() / 1000) - 61),
			},
			rawBody: body,
		},
		{
			name: 'another secret',
			headers: { ...delivery.headers, 'x-studio-signature': sign('whsec_guess', body) },
			rawBody: body,
		},
		{ name: 'no signature', headers: { 'content-type': 'application/json' }, rawBody: body },
	];
	for (const attempt of forged) {
		const { result, answer } = await wf.deliver(attempt);
		assert.equal(answer.status, 401, attempt.name);
		assert.match(String((answer.body as any).error), /^delivery refused: /, attempt.name);
		assert.deepEqual(result, { noWebhookResponse: true }, attempt.name);
	}
	const genuine = await wf.deliver(delivery);
	assert.equal(genuine.result.workflowData?.[0].length, 1, 'the genuine delivery still passes');
	await hooks.delete.call(wf.hook().ctx);
	const afterDelete = await wf.deliver(delivery);
	assert.equal(afterDelete.answer.status, 401, 'without a stored secret nothing is accepted');
});

test('events the workflow did not ask for are acknowledged and ignored', async () => {
	const parameters = { events: ['job.failed'], jobTypes: [], options: {} };
	const wf = workflow(parameters);
	await hooks.create.call(wf.hook().ctx);
	const secret = String(wf.staticData.webhookSecret);
	const body = Buffer.from(
		JSON.stringify({
			event: 'job.completed',
			created_at: new Date().toISOString(),
			job: { id: 'x', type: 'audio.synthesize' },
		}),
	);
	const { result, answer } = await wf.deliver({
		headers: { 'x-studio-signature': sign(secret, body) },
		rawBody: body,
	});
	assert.equal(answer.status, undefined);
	assert.deepEqual(result, { webhookResponse: { ignored: 'job.completed' } });
	await api('POST', '/api/v1/audio/generate-speech', { text: '[fail] for the trigger' });
	const [failed] = await wf.received(1);
	const delivered = await wf.deliver(failed);
	assert.equal(delivered.result.workflowData?.[0][0].json.event, 'job.failed');
	await hooks.delete.call(wf.hook().ctx);
});

test("a webhook registered for other events, or deleted behind n8n's back, is replaced", async () => {
	const wf = workflow({ events: ['job.completed'], jobTypes: [], options: {} });
	await hooks.create.call(wf.hook().ctx);
	const firstId = wf.staticData.webhookId;

	const changed = wf.hook({ events: ['job.completed', 'job.failed'], jobTypes: [], options: {} });
	assert.equal(
		await hooks.checkExists.call(changed.ctx),
		false,
		'the filter changed: register again',
	);
	assert.ok(
		paths(changed.requests).includes(`DELETE /api/v1/webhooks/${firstId}`),
		'the stale registration is removed',
	);
	assert.deepEqual(wf.staticData, {});
	await hooks.create.call(changed.ctx);
	assert.notEqual(wf.staticData.webhookId, firstId);

	await api('DELETE', `/api/v1/webhooks/${wf.staticData.webhookId}`);
	const gone = wf.hook({ events: ['job.completed', 'job.failed'], jobTypes: [], options: {} });
	assert.equal(await hooks.checkExists.call(gone.ctx), false);
	assert.deepEqual(wf.staticData, {}, 'the dead id is forgotten');
	const removed = wf.hook();
	assert.equal(
		await hooks.delete.call(removed.ctx),
		true,
		'deleting with nothing registered is fine',
	);
	assert.deepEqual(removed.requests, []);
});

test("a target the studio refuses is reported at activation with the studio's reason", async () => {
	const wf = workflow({ events: ['job.completed'], jobTypes: [], options: {} });
	const { ctx } = hookContext({
		credentials: studio,
		parameters: { events: ['job.completed'], jobTypes: [] },
		staticData: wf.staticData,
		webhookUrl: 'ftp://example.com/hook',
	});
	await assert.rejects(hooks.create.call(ctx), (error: Error & { httpCode?: string }) => {
		assert.equal(error.httpCode, '400');
		assert.match(
			error.message,
			/^Media Studio: .*webhook url .*must be an absolute http:\/\/ or https:\/\/ URL/,
		);
		return true;
	});
	assert.deepEqual(wf.staticData, {});
});

test('checkExists asks GET /api/v1/webhooks/{id} for its own webhook', async () => {
	const wf = workflow({ events: ['job.completed'], jobTypes: [], options: {} });
	await hooks.create.call(wf.hook().ctx);
	const check = wf.hook();
	assert.equal(await hooks.checkExists.call(check.ctx), true);
	assert.deepEqual(paths(check.requests), [`GET /api/v1/webhooks/${wf.staticData.webhookId}`]);
	await hooks.delete.call(wf.hook().ctx);
});

test('project.completed events start the workflow with the project', async () => {
	const wf = workflow({ events: ['project.completed'], jobTypes: [], options: {} });
	await hooks.create.call(wf.hook().ctx);
	const project = (await api('POST', '/api/v1/studio/create-project', { name: 'trigger film' }))
		.body;
	await api('POST', '/api/v1/studio/generate-content', {
		project_id: project.id,
		screenplay: {
			title: 't',
			language: 'en',
			narrator: { preset: 'en' },
			scenes: [{ duration: 2, prompt: 'sea', narration: 'Waves.' }],
			output: { width: 320, height: 240 },
		},
	});
	const [delivery] = await wf.received(1);
	const { result } = await wf.deliver(delivery);
	const item = result.workflowData?.[0][0].json as any;
	assert.equal(item.event, 'project.completed');
	assert.equal(item.project.id, project.id);
	assert.equal(item.project.status, 'completed');
	assert.ok(item.project.result.video.sha256, 'the film is named by its bytes');
	await hooks.delete.call(wf.hook().ctx);
});

test('on an older studio without GET /api/v1/webhooks/{id}, checkExists finds its webhook in the list', async () => {
	const older = new OlderStudio([
		{ method: 'GET', path: /^\/api\/v1\/webhooks\/[^/]+$/, status: 405 },
	]);
	const credentials = await older.start();
	try {
		const staticData: IDataObject = {};
		const parameters = { events: ['job.completed'], jobTypes: [], options: {} };
		const hook = () =>
			hookContext({
				credentials,
				parameters,
				staticData,
				webhookUrl: receiver.url('/older-studio'),
			});
		await hooks.create.call(hook().ctx);
		const check = hook();
		assert.equal(await hooks.checkExists.call(check.ctx), true);
		assert.deepEqual(paths(check.requests), [
			`GET /api/v1/webhooks/${staticData.webhookId}`,
			'GET /api/v1/webhooks',
		]);
		await hooks.delete.call(hook().ctx);
		assert.deepEqual(staticData, {});
	} finally {
		await older.stop();
	}
});
