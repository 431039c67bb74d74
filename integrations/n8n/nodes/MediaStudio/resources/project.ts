import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Asset, Project, ProjectDetail } from '../../shared/api';
import { TERMINAL_PROJECT_STATUSES } from '../../shared/api';
import { fetchList } from '../../shared/lists';
import { routeMissing, studioError, studioRequest } from '../../shared/transport';
import type { Resource, Show } from '../descriptions';
import { jobOptions, listOptions, projectParameter } from '../descriptions';
import { locatorValue } from '../fields';
import { downloadAsset, downloadOptions } from '../files';
import type { WaitSettings } from '../jobs';
import { pause, waitSettings } from '../jobs';

const create: Show = { resource: ['project'], operation: ['create'] };
const producing: Show = { resource: ['project'], operation: ['create', 'generateContent'] };
const sourced: Show = {
	resource: ['project'],
	operation: ['create', 'generateContent', 'estimate'],
};
const get: Show = { resource: ['project'], operation: ['get'] };
const listing: Show = { resource: ['project'], operation: ['list'] };

const withSource = (source: string[]): Show & { source: string[] } => ({ ...sourced, source });

const SOURCES = [
	{
		name: 'Briefing',
		value: 'briefing',
		description: 'A few sentences; the studio writes the screenplay',
	},
	{
		name: 'Screenplay (JSON)',
		value: 'screenplay',
		description: 'A screenplay object, as the JSON Schema of screenplays describes',
	},
	{ name: 'Screenplay (YAML)', value: 'screenplayYaml', description: 'A screenplay as YAML text' },
	{ name: 'Template', value: 'template', description: 'A preset of the studio, with your story' },
];

const fields: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: create },
		placeholder: 'Meu Avatar AI',
	},
	{
		displayName: 'Type',
		name: 'projectType',
		type: 'options',
		options: [
			{ name: 'Audio', value: 'audio' },
			{ name: 'Image', value: 'image' },
			{ name: 'Mixed', value: 'mixed' },
			{ name: 'Video', value: 'video' },
		],
		default: 'mixed',
		displayOptions: { show: create },
	},
	{
		...projectParameter(),
		required: true,
		displayOptions: { show: { resource: ['project'], operation: ['generateContent', 'get'] } },
	},
	{
		displayName: 'Content',
		name: 'source',
		type: 'options',
		options: [
			{
				name: 'Briefing',
				value: 'briefing',
				description: 'A few sentences; the studio writes the screenplay',
			},
			{ name: 'Nothing (Empty Project)', value: 'empty', description: 'Only create the project' },
			{
				name: 'Screenplay (JSON)',
				value: 'screenplay',
				description: 'A screenplay object, as the JSON Schema of screenplays describes',
			},
			{
				name: 'Screenplay (YAML)',
				value: 'screenplayYaml',
				description: 'A screenplay as YAML text',
			},
			{
				name: 'Template',
				value: 'template',
				description: 'A preset of the studio, with your story',
			},
		],
		default: 'briefing',
		displayOptions: { show: create },
	},
	{
		displayName: 'Content',
		name: 'source',
		type: 'options',
		options: SOURCES,
		default: 'briefing',
		displayOptions: { show: { resource: ['project'], operation: ['generateContent', 'estimate'] } },
	},
	{
		displayName: 'Template',
		name: 'template',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		displayOptions: { show: withSource(['template']) },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
			},
			{ displayName: 'ID', name: 'id', type: 'string', placeholder: 'e.g. childrens-story' },
		],
	},
	{
		displayName: 'Briefing',
		name: 'briefing',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		required: true,
		displayOptions: { show: withSource(['briefing']) },
		placeholder: 'Uma menina que conversa com a lua, e a lua muda de forma conforme a conversa',
		description: 'The story in a sentence or more (up to 4,000 characters)',
	},
	{
		displayName: 'Story',
		name: 'briefing',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		displayOptions: { show: withSource(['template']) },
		description: "Your story for the template; empty: the template's own",
	},
	{
		displayName: 'Briefing Options',
		name: 'briefingOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: withSource(['briefing', 'template']) },
		options: [
			{
				displayName: 'Duration (Seconds)',
				name: 'duration',
				type: 'number',
				typeOptions: { minValue: 5, maxValue: 600 },
				default: 30,
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: '',
				placeholder: 'pt-br',
				description: 'Narration language; empty: guessed from the text',
			},
			{
				displayName: 'Style',
				name: 'style',
				type: 'string',
				default: '',
				placeholder: 'watercolour 2D animation, soft colours',
			},
		],
	},
	{
		displayName: 'Screenplay',
		name: 'screenplay',
		type: 'json',
		default: '{}',
		required: true,
		displayOptions: { show: withSource(['screenplay']) },
		description: 'Media are asset references (asset: and the asset ID), voices are voice IDs',
	},
	{
		displayName: 'Screenplay YAML',
		name: 'screenplayYaml',
		type: 'string',
		typeOptions: { rows: 12 },
		default: '',
		required: true,
		displayOptions: { show: withSource(['screenplayYaml']) },
	},
	...jobOptions(producing, { project: false }),
	{
		displayName: 'Download Film',
		name: 'downloadFilm',
		type: 'boolean',
		default: false,
		displayOptions: { show: get },
		description: 'Whether to download the finished film as binary data (field "data")',
	},
	...listOptions(listing),
];

/** The content of a production request, from the Content choice. */
function content(ctx: IExecuteFunctions, i: number): IDataObject {
	const source = ctx.getNodeParameter('source', i) as string;
	const briefing = (): IDataObject => {
		const options = ctx.getNodeParameter('briefingOptions', i, {}) as IDataObject;
		const out: IDataObject = {};
		const text = String(ctx.getNodeParameter('briefing', i, '')).trim();
		if (text) out.text = text;
		for (const key of ['duration', 'language', 'style']) {
			if (options[key] !== undefined && options[key] !== '') out[key] = options[key];
		}
		return out;
	};
	switch (source) {
		case 'briefing':
			return { briefing: briefing() };
		case 'template':
			return { template_id: locatorValue(ctx, 'template', i), briefing: briefing() };
		case 'screenplay': {
			const value = ctx.getNodeParameter('screenplay', i);
			if (typeof value === 'object' && value !== null) return { screenplay: value as IDataObject };
			try {
				return { screenplay: JSON.parse(String(value)) as IDataObject };
			} catch (error) {
				throw new NodeOperationError(
					ctx.getNode(),
					`Screenplay is not valid JSON: ${(error as Error).message}`,
					{ itemIndex: i },
				);
			}
		}
		case 'screenplayYaml':
			return { screenplay_yaml: ctx.getNodeParameter('screenplayYaml', i) as string };
		default:
			throw new NodeOperationError(ctx.getNode(), `Unknown content source "${source}"`, {
				itemIndex: i,
			});
	}
}

async function projectDetail(
	ctx: IExecuteFunctions,
	i: number,
	projectId: string,
): Promise<ProjectDetail> {
	return (
		await studioRequest<ProjectDetail>(ctx, {
			method: 'GET',
			path: `/api/v1/studio/projects/${encodeURIComponent(projectId)}`,
			itemIndex: i,
		})
	).body;
}

/** The composed film among a project's assets: the video whose bytes the result names. */
function filmAsset(detail: ProjectDetail): Asset | undefined {
	const sha = detail.project.result?.video?.sha256;
	return sha
		? detail.assets.find((asset) => asset.type === 'video' && asset.sha256 === sha)
		: undefined;
}

async function projectItem(
	ctx: IExecuteFunctions,
	i: number,
	detail: ProjectDetail,
	download: boolean,
	property = 'data',
): Promise<INodeExecutionData> {
	const film = filmAsset(detail);
	const item: INodeExecutionData = {
		json: {
			...detail.project,
			film: (film ?? null) as unknown as IDataObject,
			steps: detail.steps as IDataObject[],
		},
	};
	if (download && film) item.binary = { [property]: await downloadAsset(ctx, i, film.id) };
	return item;
}

/** Start a production in a project and, when asked, wait for the film. */
async function produce(
	ctx: IExecuteFunctions,
	i: number,
	projectId: string,
	settings: WaitSettings,
): Promise<INodeExecutionData> {
	const body: IDataObject = { project_id: projectId, ...content(ctx, i) };
	const callbackUrl = String(
		(ctx.getNodeParameter('options', i, {}) as IDataObject).callbackUrl ?? '',
	).trim();
	if (callbackUrl) body.webhook = { url: callbackUrl };
	const started = (
		await studioRequest<Project>(ctx, {
			method: 'POST',
			path: '/api/v1/studio/generate-content',
			body,
			itemIndex: i,
		})
	).body;
	if (!settings.wait) return { json: started as unknown as IDataObject };
	const deadline = Date.now() + settings.maxWaitSeconds * 1000;
	let detail = await projectDetail(ctx, i, projectId);
	while (!TERMINAL_PROJECT_STATUSES.includes(detail.project.status)) {
		await pause(
			ctx,
			i,
			deadline,
			settings,
			`project ${projectId} is ${detail.project.status} (${detail.project.steps_completed as number}/${detail.project.steps_total as number} steps)`,
		);
		detail = await projectDetail(ctx, i, projectId);
	}
	if (detail.project.status === 'failed') {
		throw new NodeOperationError(
			ctx.getNode(),
			`Project ${projectId} failed: ${detail.project.error ?? 'no reason given'}`,
			{
				itemIndex: i,
				description: 'Run Generate Content again to resume: finished steps are not redone.',
			},
		);
	}
	const files = downloadOptions(ctx, i);
	return await projectItem(ctx, i, detail, files.download, files.property);
}

export const project: Resource = {
	value: 'project',
	name: 'Project',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['project'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a project',
				description: 'Create a project and produce a briefing, screenplay or template in it',
			},
			{
				name: 'Estimate Cost',
				value: 'estimate',
				action: 'Estimate the cost of a production',
				description: 'Cost per step and in total, before anything runs',
			},
			{
				name: 'Generate Content',
				value: 'generateContent',
				action: 'Generate content in a project',
				description:
					'Produce a briefing, screenplay or template in a project (resumes a failed run)',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a project',
				description: 'A project with its steps, jobs and assets',
			},
			{
				name: 'List',
				value: 'list',
				action: 'List projects',
				description: 'Your projects, newest first',
			},
		],
		default: 'create',
	},
	fields,
	handlers: {
		async create(ctx, i) {
			const created = (
				await studioRequest<Project>(ctx, {
					method: 'POST',
					path: '/api/v1/studio/create-project',
					body: {
						name: ctx.getNodeParameter('name', i) as string,
						type: ctx.getNodeParameter('projectType', i, 'mixed') as string,
					},
					itemIndex: i,
				})
			).body;
			if (ctx.getNodeParameter('source', i) === 'empty')
				return [{ json: created as unknown as IDataObject }];
			return [await produce(ctx, i, created.id, waitSettings(ctx, i))];
		},

		async generateContent(ctx, i) {
			return [await produce(ctx, i, locatorValue(ctx, 'project', i), waitSettings(ctx, i))];
		},

		async get(ctx, i) {
			const detail = await projectDetail(ctx, i, locatorValue(ctx, 'project', i));
			const item = await projectItem(
				ctx,
				i,
				detail,
				ctx.getNodeParameter('downloadFilm', i, false) as boolean,
			);
			item.json.jobs = detail.jobs as unknown as IDataObject[];
			item.json.assets = detail.assets as unknown as IDataObject[];
			return [item];
		},

		async list(ctx, i) {
			const limit = ctx.getNodeParameter('returnAll', i, false)
				? Infinity
				: (ctx.getNodeParameter('limit', i, 50) as number);
			const projects = await fetchList<Project>(ctx, '/api/v1/studio/projects', {}, limit, i);
			return projects.map((entry) => ({ json: entry as unknown as IDataObject }));
		},

		/** POST /api/v1/studio/estimate: a gateway addition of the hosted-providers work (GATEWAY_NEEDS.md). */
		async estimate(ctx, i) {
			const response = await studioRequest<IDataObject>(ctx, {
				method: 'POST',
				path: '/api/v1/studio/estimate',
				body: content(ctx, i),
				accept: [404, 405],
				itemIndex: i,
			});
			if (routeMissing(response)) {
				throw new NodeOperationError(
					ctx.getNode(),
					'This studio cannot estimate costs yet (POST /api/v1/studio/estimate is missing)',
					{
						itemIndex: i,
						description:
							'Cost estimates come with the hosted-provider backends; update the studio.',
					},
				);
			}
			if (response.status >= 400) {
				const request = { method: 'POST' as const, path: '/api/v1/studio/estimate', itemIndex: i };
				throw studioError(ctx.getNode(), response.status, response.body, request);
			}
			return [{ json: response.body }];
		},
	},
};
