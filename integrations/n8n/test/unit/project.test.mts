import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { searchProjects, searchTemplates } from '../../dist/nodes/MediaStudio/listSearch.js';

import { loadOptionsContext } from '../harness/context.mts';
import { fromList, quick, runError, runNode } from '../harness/run.mts';
import {
	api,
	bytesOf,
	looksLike,
	offers,
	Receiver,
	schemaHas,
	sha256,
	studio,
	waitingFor,
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

test('create from a briefing', async (t) => {
	const waiting = await waitingFor(
		'generate-content accepts `briefing` {text, duration, style, language}',
		await schemaHas('GenerateContentRequest', 'briefing'),
	);
	if (waiting) return t.skip(waiting);
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

test('templates: the dropdown lists them and a project starts from one', async (t) => {
	const waiting = await waitingFor(
		'GET /api/v1/studio/templates and `template_id` in generate-content',
		await offers('GET', '/api/v1/studio/templates'),
	);
	if (waiting) return t.skip(waiting);
	const { ctx } = loadOptionsContext(studio);
	const templates = await searchTemplates.call(ctx);
	assert.ok(templates.results.length > 0);
	const template = String(templates.results[0].value);
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
	assert.equal((requests[1].body as any).template_id, template);
	assert.equal(items[0].json.status, 'completed');
});

test('the templates dropdown says clearly that this studio has no template list', async (t) => {
	if (await offers('GET', '/api/v1/studio/templates')) return t.skip('this studio lists templates');
	const { ctx } = loadOptionsContext(studio);
	await assert.rejects(
		searchTemplates.call(ctx),
		/^NodeOperationError: Could not load templates\. this studio has no template list \(GET \/api\/v1\/studio\/templates\)/,
	);
});

test('estimate the cost of a production before running it', async (t) => {
	const waiting = await waitingFor(
		'POST /api/v1/studio/estimate (hosted-providers issue)',
		await offers('POST', '/api/v1/studio/estimate'),
	);
	if (waiting) {
		const { error } = await runError({
			resource: 'project',
			operation: 'estimate',
			source: 'screenplay',
			screenplay,
		});
		assert.match(
			error.message,
			/cannot estimate costs yet \(POST \/api\/v1\/studio\/estimate is missing\)/,
		);
		return t.skip(waiting);
	}
	const { items, requests } = await runNode({
		resource: 'project',
		operation: 'estimate',
		source: 'screenplay',
		screenplay,
	});
	assert.deepEqual(requests[0].body, { screenplay });
	assert.equal(typeof items[0].json.total, 'number');
	assert.ok(Array.isArray(items[0].json.steps));
});

test('a production calls its callback URL when the film is done', async (t) => {
	const waiting = await waitingFor(
		'`webhook` on generate-content with project.completed / project.failed deliveries',
		await schemaHas('GenerateContentRequest', 'webhook'),
	);
	if (waiting) return t.skip(waiting);
	const url = receiver.url('/project-done');
	const { items } = await runNode({
		resource: 'project',
		operation: 'create',
		name: 'call me',
		projectType: 'video',
		source: 'screenplay',
		screenplay,
		waitForCompletion: false,
		options: { callbackUrl: url },
	});
	const deliveries = await receiver.waitFor(1, 60_000);
	const payload = JSON.parse(
		deliveries.find((entry) => entry.path === '/project-done')!.rawBody.toString(),
	);
	assert.equal(payload.event, 'project.completed');
	assert.equal(payload.project.id, items[0].json.id);
});
