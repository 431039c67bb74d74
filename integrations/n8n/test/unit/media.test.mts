import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchImageModels, searchVideoModels } from '../../dist/nodes/MediaStudio/listSearch.js';

import { loadOptionsContext } from '../harness/context.mts';
import { fromList, quick, runError, runNode } from '../harness/run.mts';
import { bytesOf, looksLike, portraitPng, sampleWav, sha256, studio } from '../harness/studio.mts';

const pngItem = () => [
	{
		json: {},
		binary: {
			data: {
				data: portraitPng().toString('base64'),
				mimeType: 'image/png',
				fileName: 'portrait.png',
			},
		},
	},
];

test('generate images: each one becomes a binary field (data, data_1)', async () => {
	const { items, requests } = await runNode({
		resource: 'image',
		operation: 'generate',
		prompt: 'portrait of a friendly presenter',
		model: fromList('fake-image'),
		additionalFields: { count: 2, width: 64, height: 64, negativePrompt: 'blurry' },
		options: quick,
	});
	assert.deepEqual(requests[0].body, {
		prompt: 'portrait of a friendly presenter',
		count: 2,
		width: 64,
		height: 64,
		negative_prompt: 'blurry',
		model: 'fake-image',
	});
	const job = items[0].json as any;
	assert.equal(job.assets.length, 2);
	assert.deepEqual(Object.keys(items[0].binary ?? {}), ['data', 'data_1']);
	assert.ok(looksLike.png(bytesOf(items[0].binary?.data)));
	assert.equal(sha256(bytesOf(items[0].binary?.data_1)), job.assets[1].sha256);
});

test('edit uploads the input image from a binary field first, then edits that asset', async () => {
	const { items, requests } = await runNode(
		{
			resource: 'image',
			operation: 'edit',
			imageSource: 'binary',
			imageBinaryProperty: 'data',
			instruction: 'warmer light',
			model: fromList(''),
			options: quick,
		},
		{ items: pngItem() },
	);
	const [upload, edit] = requests;
	assert.equal(upload.path, '/api/v1/assets');
	assert.match(upload.headers['content-type'], /^multipart\/form-data; boundary=/);
	assert.equal(upload.status, 201);
	assert.equal(edit.path, '/api/v1/image/edit');
	assert.equal(typeof (edit.body as any).image_asset_id, 'string');
	assert.equal((edit.body as any).instruction, 'warmer light');
	assert.equal((items[0].json as any).type, 'image.edit');
	assert.ok(looksLike.png(bytesOf(items[0].binary?.data)));
});

test('upscale takes an existing asset id', async () => {
	const generated = await runNode({
		resource: 'image',
		operation: 'generate',
		prompt: 'a lighthouse',
		model: fromList(''),
		options: quick,
	});
	const assetId = (generated.items[0].json as any).assets[0].id;
	const { items, requests } = await runNode({
		resource: 'image',
		operation: 'upscale',
		imageSource: 'asset',
		imageAssetId: assetId,
		factor: 4,
		model: fromList(''),
		options: { ...quick, binaryPropertyName: 'big' },
	});
	assert.deepEqual(requests[0].body, { image_asset_id: assetId, factor: 4 });
	assert.ok(looksLike.png(bytesOf(items[0].binary?.big)));
});

test("an unreadable upload is refused with the studio's reason (415)", async () => {
	const text = [
		{
			json: {},
			binary: {
				data: {
					data: Buffer.from('not an image').toString('base64'),
					mimeType: 'image/png',
					fileName: 'fake.png',
				},
			},
		},
	];
	const { error, requests } = await runError(
		{
			resource: 'image',
			operation: 'edit',
			imageSource: 'binary',
			imageBinaryProperty: 'data',
			instruction: 'x',
			model: fromList(''),
			options: quick,
		},
		{ items: text },
	);
	assert.equal(error.httpCode, '415');
	assert.match(error.message, /^Media Studio: /);
	assert.equal(requests.length, 1, 'nothing was submitted after the refused upload');
});

test("the brief's example: an image, a cloned voice, speech in that voice, then a talking-head video", async () => {
	const image = await runNode({
		resource: 'image',
		operation: 'generate',
		prompt: 'portrait of Luna',
		model: fromList(''),
		options: quick,
	});
	const voice = await runNode(
		{
			resource: 'speech',
			operation: 'cloneVoice',
			binaryPropertyName: 'data',
			name: `Luna ${Date.now()}`,
			options: quick,
		},
		{
			items: [
				{
					json: {},
					binary: {
						data: {
							data: sampleWav().toString('base64'),
							mimeType: 'audio/wav',
							fileName: 'luna.wav',
						},
					},
				},
			],
		},
	);
	const speech = await runNode({
		resource: 'speech',
		operation: 'generate',
		text: 'Olá! Eu sou a Luna.',
		voice: fromList(String(voice.items[0].json.id)),
		options: quick,
	});
	// The portrait arrives as binary data from the image node; the speech by its asset id.
	const video = await runNode(
		{
			resource: 'video',
			operation: 'createAvatar',
			portraitSource: 'binary',
			portraitBinaryProperty: 'data',
			audioSource: 'asset',
			audioAssetId: (speech.items[0].json as any).assets[0].id,
			additionalFields: { fps: 10, face: { box: { x: 8, y: 4, width: 48, height: 56 } } },
			options: quick,
		},
		{ items: image.items },
	);
	const avatar = video.requests.find((request) => request.path === '/api/v1/video/create-avatar');
	assert.equal((avatar?.body as any).audio_asset_id, (speech.items[0].json as any).assets[0].id);
	assert.equal((avatar?.body as any).fps, 10);
	assert.deepEqual((avatar?.body as any).face, { x: 8, y: 4, width: 48, height: 56 });
	const job = video.items[0].json as any;
	assert.equal(job.type, 'video.create_avatar_video');
	const film = bytesOf(video.items[0].binary?.data);
	assert.ok(looksLike.mp4(film), 'the talking head is an MP4');
	assert.equal(video.items[0].binary?.data.mimeType, 'video/mp4');
	assert.equal(sha256(film), job.assets[0].sha256);
});

test('animate an uploaded image with a chosen video model', async () => {
	const { items, requests } = await runNode(
		{
			resource: 'video',
			operation: 'animate',
			imageSource: 'binary',
			imageBinaryProperty: 'data',
			motion: 'slow zoom in',
			duration: 2,
			model: { __rl: true, mode: 'name', value: 'fake-i2v' },
			options: quick,
		},
		{ items: pngItem() },
	);
	const animate = requests.find((request) => request.path === '/api/v1/video/animate');
	assert.equal((animate?.body as any).motion, 'slow zoom in');
	assert.equal((animate?.body as any).duration_seconds, 2);
	assert.equal((animate?.body as any).model, 'fake-i2v');
	assert.ok(looksLike.mp4(bytesOf(items[0].binary?.data)));
});

test('the model dropdown lists what the image server reports', async () => {
	const { ctx, requests } = loadOptionsContext(studio);
	const images = await searchImageModels.call(ctx, 'FAKE');
	assert.deepEqual(images.results, [
		{ name: 'fake-image (fake)', value: 'fake-image', description: 'instant' },
	]);
	assert.deepEqual(requests[0].query, { service: 'image' });
	assert.deepEqual((await searchImageModels.call(ctx, 'flux')).results, []);
});

test('a model server that cannot list its models makes the dropdown say so', async () => {
	// The fake video server has no ListVideoModels: the gateway reports it unavailable.
	const { ctx } = loadOptionsContext(studio);
	await assert.rejects(searchVideoModels.call(ctx), (error: Error) => {
		assert.match(
			error.message,
			/^Could not load video models\. the video model server did not answer: /,
		);
		return true;
	});
});
