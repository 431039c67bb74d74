import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchProjects, searchVoices } from '../../dist/nodes/MediaStudio/listSearch.js';

import { loadOptionsContext } from '../harness/context.mts';
import { fromList, quick, runError, runNode } from '../harness/run.mts';
import {
	api,
	bytesOf,
	looksLike,
	otherTenant,
	portraitPng,
	sha256,
	studio,
} from '../harness/studio.mts';

const submit = async (text: string) =>
	(await api('POST', '/api/v1/audio/generate-speech', { text })).body;

test('job get, wait (with results as binary) and list with filters', async () => {
	const queued = await submit(`job ops ${Date.now()}`);
	const waited = await runNode({
		resource: 'job',
		operation: 'wait',
		jobId: queued.id,
		options: quick,
	});
	const job = waited.items[0].json as any;
	assert.equal(job.status, 'completed');
	assert.ok(looksLike.wav(bytesOf(waited.items[0].binary?.data)));
	assert.ok(waited.requests.every((request) => request.method === 'GET'));

	const got = await runNode({
		resource: 'job',
		operation: 'get',
		jobId: queued.id,
		downloadResults: true,
	});
	assert.equal(sha256(bytesOf(got.items[0].binary?.data)), job.assets[0].sha256);
	const bare = await runNode({
		resource: 'job',
		operation: 'get',
		jobId: queued.id,
		downloadResults: false,
	});
	assert.equal(bare.items[0].binary, undefined);
	assert.equal(bare.requests.length, 1);

	const listed = await runNode({
		resource: 'job',
		operation: 'list',
		filters: { status: 'completed', type: 'audio.synthesize' },
		returnAll: false,
		limit: 3,
	});
	assert.deepEqual(listed.requests[0].query, {
		status: 'completed',
		type: 'audio.synthesize',
		limit: '3',
		offset: '0',
	});
	assert.ok(listed.items.length <= 3 && listed.items.length > 0);
	assert.ok(
		listed.items.every(
			(item) => item.json.status === 'completed' && item.json.type === 'audio.synthesize',
		),
	);
});

test('Return All pages through more than one page by offset', async () => {
	const tag = `page ${Date.now()}`;
	for (let batch = 0; batch < 11; batch++) {
		const submitted = await Promise.all(
			Array.from({ length: 20 }, (_, n) =>
				api('POST', '/api/v1/audio/generate-speech', { text: `${tag} ${batch * 20 + n}` }),
			),
		);
		assert.ok(submitted.every((answer) => answer.status === 202));
	}
	const all = await runNode({
		resource: 'job',
		operation: 'list',
		filters: { type: 'audio.synthesize' },
		returnAll: true,
	});
	assert.deepEqual(
		all.requests.slice(0, 2).map((request) => [request.query.limit, request.query.offset]),
		[
			['200', '0'],
			['200', '200'],
		],
	);
	const ids = all.items.map((item) => item.json.id);
	assert.equal(new Set(ids).size, ids.length, 'no job twice');
	const tagged = all.items.filter((item) =>
		String((item.json.parameters as any).text).startsWith(tag),
	);
	assert.equal(tagged.length, 220, 'every job of the batch, across pages');
});

test('cancel a running job; cancelling a finished one is a clear 409', async () => {
	const stalled = await submit('[stall] cancel me');
	const { items } = await runNode({ resource: 'job', operation: 'cancel', jobId: stalled.id });
	assert.equal(items[0].json.status, 'cancelled');
	const { error } = await runError({ resource: 'job', operation: 'cancel', jobId: stalled.id });
	assert.equal(error.httpCode, '409');
	assert.match(
		error.message,
		/^Media Studio: job .* is already cancelled; only unfinished jobs can be cancelled/,
	);
	const waited = await runError({
		resource: 'job',
		operation: 'wait',
		jobId: stalled.id,
		options: quick,
	});
	assert.match(
		waited.error.message,
		/^Job .* \(audio\.synthesize\) cancelled: cancelled by its owner/,
	);
});

test('an unknown or foreign job id is a 404', async () => {
	const theirs = (await api('POST', '/api/v1/audio/generate-speech', { text: 'mine' }, otherTenant))
		.body;
	for (const jobId of [theirs.id, 'not-a-uuid']) {
		const { error } = await runError({ resource: 'job', operation: 'get', jobId });
		assert.equal(error.httpCode, '404', jobId);
		assert.match(error.description ?? '', /another API key/);
	}
});

test('upload an asset from a binary field and download it again, byte for byte', async () => {
	const png = portraitPng();
	const project = (await api('POST', '/api/v1/studio/create-project', { name: 'uploads' })).body;
	const uploaded = await runNode(
		{
			resource: 'asset',
			operation: 'upload',
			binaryPropertyName: 'picture',
			project: fromList(project.id),
		},
		{
			items: [
				{
					json: {},
					binary: {
						picture: { data: png.toString('base64'), mimeType: 'image/png', fileName: 'me.png' },
					},
				},
			],
		},
	);
	const asset = uploaded.items[0].json as any;
	assert.equal(asset.type, 'image');
	assert.equal(asset.project_id, project.id);
	assert.equal(asset.sha256, sha256(png));
	const downloaded = await runNode({
		resource: 'asset',
		operation: 'download',
		assetId: asset.id,
		binaryPropertyName: 'copy',
	});
	assert.deepEqual(bytesOf(downloaded.items[0].binary?.copy), png);
	assert.equal(downloaded.items[0].json.id, asset.id);
	assert.equal(downloaded.items[0].binary?.copy.mimeType, 'image/png');
});

test('dropdowns that cannot load say which list and why', async () => {
	const { ctx } = loadOptionsContext({ ...studio, apiKey: 'sk_studio_revoked' });
	await assert.rejects(searchVoices.call(ctx), (error: Error) => {
		assert.match(error.message, /^Could not load voices\. Media Studio: /);
		return true;
	});
	const { ctx: nowhere } = loadOptionsContext({
		baseUrl: 'http://127.0.0.1:9',
		apiKey: studio.apiKey,
	});
	await assert.rejects(searchProjects.call(nowhere), (error: Error) => {
		assert.match(
			error.message,
			/^Could not load projects\. Cannot reach Media Studio at http:\/\/127\.0\.0\.1:9/,
		);
		return true;
	});
});

test('a job filed under a project (Options → Project) is listed by that project', async () => {
	const project = (
		await api('POST', '/api/v1/studio/create-project', { name: `filed ${Date.now()}` })
	).body;
	const { items, requests } = await runNode({
		resource: 'music',
		operation: 'generate',
		description: 'short jingle',
		duration: 5,
		options: { ...quick, project: fromList(project.id), downloadResults: false },
	});
	assert.equal((requests[0].body as any).project_id, project.id);
	assert.equal(items[0].json.project_id, project.id);
	assert.equal(items[0].binary, undefined, 'Download Results off: no binary');
	const listed = await runNode({
		resource: 'job',
		operation: 'list',
		filters: { project: fromList(project.id) },
		returnAll: true,
	});
	assert.deepEqual(listed.requests[0].query.project_id, project.id);
	assert.deepEqual(
		listed.items.map((item) => item.json.id),
		[items[0].json.id],
	);
});
