import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { searchProjects, searchTemplates } from '../../dist/nodes/MediaStudio/listSearch.js';

import { loadOptionsContext } from '../harness/context.mts';
import { fromList, quick, runError, runNode } from '../harness/run.mts';
import {
	api,
	bytesOf,
	looksLike,
	OlderStudio,
	Receiver,
	sha256,
	sign,
	studio,
} from '../harness/studio.mts';

/** A screenplay the fake model servers produce in a few seconds (as tests/gateway/test_projects.py). */
const screenplay = {
	title: 'Test film',
	language: 'en',
	narrator: { preset: 'en' },
	characters: [{ name: 'Ana', portrait: { prompt: 'a woman with a red scarf' } }],
	scenes: [
		{ duration: 2, prompt: 'a misty forest', narration: 'Once upon a time.' },
		{ duration: 2, speaker: 'Ana', narration: 'Hello there.' },
	],
	music: { mood: 'calm piano' },
	output: { width: 320, height: 240 },
};
const yaml = `title: YAML film
language: en
narrator: {preset: en}
scenes:
  - {duration: 2, prompt: a quiet lake, narration: The lake was still.}
output: {width: 320, height: 240}
`;

let receiver: Receiver;
before(async () => {
	receiver = await new Receiver().start();
});
after(async () => await receiver.stop());

test('create a project from a screenplay: it waits for the film and hands it over as binary data', async () => {
	const name = `Film ${Date.now()}`;
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'create',
		name,
		projectType: 'video',
		source: 'screenplay',
		screenplay: JSON.stringify(screenplay),
		options: quick,
	});
	assert.deepEqual(requests[0].body, { name, type: 'video' });
	const project = items[0].json as any;
	assert.deepEqual((requests[1].body as any).screenplay, screenplay);
	assert.equal((requests[1].body as any).project_id, project.id);
	assert.equal(project.status, 'completed');
	assert.equal(project.steps_completed, project.steps_total);
	assert.equal(project.film.type, 'video');
	const film = bytesOf(items[0].binary?.data);
	assert.ok(looksLike.mp4(film));
	assert.equal(
		sha256(film),
		project.result.video.sha256,
		'the binary is the film the production composed',
	);

	const got = await runNode({
		resource: 'project',
		operation: 'get',
		project: fromList(project.id),
		downloadFilm: false,
	});
	assert.equal(got.items[0].json.id, project.id);
	assert.ok((got.items[0].json.jobs as unknown[]).length >= project.steps_total);
	assert.equal(got.items[0].binary, undefined);

	const { ctx } = loadOptionsContext(studio);
	const found = await searchProjects.call(ctx, name);
	assert.deepEqual(found.results, [{ name: `${name} (completed)`, value: project.id }]);
	const listed = await runNode({
		resource: 'project',
		operation: 'list',
		returnAll: false,
		limit: 200,
	});
	assert.ok(listed.items.some((item) => item.json.id === project.id));
});

test('generate content from YAML in an existing project, without waiting', async () => {
	const created = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'empty first',
		projectType: 'mixed',
		source: 'empty',
	});
	const project = created.items[0].json as any;
	assert.equal(project.status, 'draft');
	assert.equal(created.requests.length, 1);
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'generateContent',
		project: fromList(project.id),
		source: 'screenplayYaml',
		screenplayYaml: yaml,
		waitForCompletion: false,
	});
	assert.deepEqual(requests[0].body, { project_id: project.id, screenplay_yaml: yaml });
	assert.equal(items[0].json.status, 'running');
	assert.equal(requests.length, 1);
});

test('a screenplay the studio refuses is a 400 naming the problem, and the project stays a draft', async () => {
	const created = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'bad',
		projectType: 'video',
		source: 'empty',
	});
	const id = String(created.items[0].json.id);
	const { error } = await runError({
		resource: 'project',
		operation: 'generateContent',
		project: fromList(id),
		source: 'screenplay',
		screenplay: { title: 'no scenes' },
		options: quick,
	});
	assert.equal(error.httpCode, '400');
	assert.match(error.message, /^Media Studio: .*scenes/);
	assert.equal((await api('GET', `/api/v1/studio/projects/${id}`)).body.project.status, 'draft');
	const notJson = await runError({
		resource: 'project',
		operation: 'generateContent',
		project: fromList(id),
		source: 'screenplay',
		screenplay: '{oops',
		options: quick,
	});
	assert.match(notJson.error.message, /^Screenplay is not valid JSON/);
});

test('create from a briefing', async () => {
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'From a briefing',
		projectType: 'video',
		source: 'briefing',
		briefing: 'A girl who talks to the moon, and the moon changes shape as they talk.',
		briefingOptions: { duration: 10, language: 'en', style: 'watercolour' },
		options: quick,
	});
	assert.deepEqual((requests[1].body as any).briefing, {
		text: 'A girl who talks to the moon, and the moon changes shape as they talk.',
		duration: 10,
		language: 'en',
		style: 'watercolour',
	});
	assert.equal(items[0].json.status, 'completed');
	assert.ok(looksLike.mp4(bytesOf(items[0].binary?.data)));
});

test('templates: the dropdown lists them and a project starts from one', async () => {
	const { ctx } = loadOptionsContext(studio);
	const templates = await searchTemplates.call(ctx);
	const projectTemplates = (await api('GET', '/api/v1/studio/templates?kind=project')).body;
	assert.ok(projectTemplates.length > 0);
	assert.deepEqual(
		templates.results.map((result) => result.value),
		projectTemplates.map((entry: any) => entry.id),
		'the dropdown lists the project templates only',
	);
	const template = String(
		templates.results.find((result) => result.value === 'childrens-story-watercolour')?.value,
	);
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'From a template',
		projectType: 'video',
		source: 'template',
		template: fromList(template),
		briefing: '',
		briefingOptions: {},
		options: quick,
	});
	assert.deepEqual(requests[1].body, {
		project_id: items[0].json.id,
		template_id: template,
		briefing: {},
	});
	assert.equal(items[0].json.status, 'completed');
	assert.ok(looksLike.mp4(bytesOf(items[0].binary?.data)));

	const story = 'Pip, a small fox, finds a lantern in the snow.';
	const retold = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'A template, my story',
		projectType: 'video',
		source: 'template',
		template: fromList(template),
		briefing: story,
		briefingOptions: { duration: 10 },
		options: quick,
	});
	assert.deepEqual((retold.requests[1].body as any).briefing, { text: story, duration: 10 });
	assert.equal(retold.items[0].json.status, 'completed');
	const detail = (await api('GET', `/api/v1/studio/projects/${retold.items[0].json.id}`)).body;
	assert.equal(detail.briefing.text, story);
	assert.equal(detail.screenplay.language, 'pt-br', "the template's language");
});

test('the templates dropdown says clearly when an older studio has no template list', async () => {
	const older = new OlderStudio([
		{ method: 'GET', path: /^\/api\/v1\/studio\/templates$/, status: 404 },
	]);
	const { ctx } = loadOptionsContext(await older.start());
	try {
		await assert.rejects(
			searchTemplates.call(ctx),
			/^NodeOperationError: Could not load templates\. this studio has no template list \(GET \/api\/v1\/studio\/templates\)/,
		);
	} finally {
		await older.stop();
	}
});

test('estimate the cost of a production before running it', async () => {
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'estimate',
		source: 'screenplay',
		screenplay,
	});
	assert.deepEqual(requests[0].body, { screenplay });
	assert.equal(requests[0].path, '/api/v1/studio/estimate');
	const estimate = items[0].json as any;
	assert.equal(estimate.currency, 'USD');
	assert.equal(typeof estimate.total, 'number');
	assert.ok(Array.isArray(estimate.steps) && estimate.steps.length > 0);
	assert.equal(typeof estimate.steps[0].cost.usd, 'number');
	assert.equal(typeof estimate.budget.fits, 'boolean');
});

test('estimating on an older studio without the estimate route says so', async () => {
	const older = new OlderStudio([{ method: 'POST', path: /^\/api\/v1\/studio\/estimate$/, status: 404 }]);
	const credentials = await older.start();
	try {
		await assert.rejects(
			runNode({ resource: 'project', operation: 'estimate', source: 'screenplay', screenplay }, { credentials }),
			/cannot estimate costs yet \(POST \/api\/v1\/studio\/estimate is missing\)/,
		);
	} finally {
		await older.stop();
	}
});

test('a production calls its callback URL when the film is done', async () => {
	const url = receiver.url('/project-done');
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'call me',
		projectType: 'video',
		source: 'screenplay',
		screenplay,
		waitForCompletion: false,
		options: { callbackUrl: url },
	});
	assert.deepEqual((requests[1].body as any).webhook, { url });
	const deliveries = await receiver.waitFor(1, 60_000);
	const payload = JSON.parse(
		deliveries.find((entry) => entry.path === '/project-done')!.rawBody.toString(),
	);
	assert.equal(payload.event, 'project.completed');
	assert.equal(payload.project.id, items[0].json.id);
	const delivery = deliveries.find((entry) => entry.path === '/project-done')!;
	const { webhook_secret: secret } = (await api('GET', '/api/v1/account')).body;
	const [, timestamp] = /t=(\d+)/.exec(delivery.headers['x-studio-signature'])!;
	assert.equal(
		delivery.headers['x-studio-signature'],
		sign(secret, delivery.rawBody, Number(timestamp)),
		"signed with the key's webhook secret",
	);
});
