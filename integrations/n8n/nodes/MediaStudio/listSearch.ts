import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Project, Voice } from '../shared/api';
import { fetchPage, MAX_PAGE } from '../shared/lists';
import { routeMissing, studioRequest } from '../shared/transport';

interface Model {
	service: string;
	name: string;
	backend: string;
	installed: boolean;
	description: string;
}

interface Template {
	id: string;
	name: string;
	description?: string;
}

function matches(filter: string | undefined, ...texts: string[]): boolean {
	const wanted = (filter ?? '').trim().toLowerCase();
	return !wanted || texts.some((text) => text.toLowerCase().includes(wanted));
}

/** Loading a dropdown failed: say which list and why, instead of showing an empty list. */
async function loading<T>(
	ctx: ILoadOptionsFunctions,
	what: string,
	load: () => Promise<T>,
): Promise<T> {
	try {
		return await load();
	} catch (error) {
		const known = error instanceof NodeApiError || error instanceof NodeOperationError;
		throw new NodeOperationError(
			ctx.getNode(),
			`Could not load ${what}. ${(error as Error).message}`,
			{
				description: known ? ((error as NodeApiError).description ?? undefined) : undefined,
			},
		);
	}
}

/** Pages of MAX_PAGE by offset; the token is the next offset. */
async function pagedSearch<T>(
	ctx: ILoadOptionsFunctions,
	what: string,
	path: string,
	paginationToken: string | undefined,
	toItem: (entry: T) => INodeListSearchItems | undefined,
): Promise<INodeListSearchResult> {
	const offset = Number(paginationToken ?? 0) || 0;
	const page = await loading(
		ctx,
		what,
		async () => await fetchPage<T>(ctx, path, {}, MAX_PAGE, offset),
	);
	const results = page
		.map(toItem)
		.filter((item): item is INodeListSearchItems => item !== undefined);
	return {
		results,
		paginationToken: page.length === MAX_PAGE ? String(offset + MAX_PAGE) : undefined,
	};
}

export async function searchVoices(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await pagedSearch<Voice>(
		this,
		'voices',
		'/api/v1/audio/voices',
		paginationToken,
		(voice) =>
			matches(filter, voice.name, voice.id)
				? {
						name: `${voice.name} (${voice.language || 'any language'}${voice.status === 'ready' ? '' : `, ${voice.status}`})`,
						value: voice.id,
					}
				: undefined,
	);
}

export async function searchProjects(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await pagedSearch<Project>(
		this,
		'projects',
		'/api/v1/studio/projects',
		paginationToken,
		(project) =>
			matches(filter, project.name, project.id)
				? { name: `${project.name} (${project.status})`, value: project.id }
				: undefined,
	);
}

async function searchModels(
	ctx: ILoadOptionsFunctions,
	service: string,
	filter?: string,
): Promise<INodeListSearchResult> {
	const listing = await loading(ctx, `${service} models`, async () => {
		const response = await studioRequest<{ models: Model[]; unavailable: Record<string, string> }>(
			ctx,
			{
				method: 'GET',
				path: '/api/v1/models',
				qs: { service },
			},
		);
		const why = response.body.unavailable?.[service];
		if (why && response.body.models.length === 0) {
			throw new NodeOperationError(
				ctx.getNode(),
				`the ${service} model server did not answer: ${why}`,
			);
		}
		return response.body;
	});
	return {
		results: listing.models
			.filter((model) => matches(filter, model.name, model.backend, model.description))
			.map((model) => ({
				name: `${model.name} (${model.backend}${model.installed ? '' : ', not installed'})`,
				value: model.name,
				description: model.description,
			})),
	};
}

export async function searchImageModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await searchModels(this, 'image', filter);
}

export async function searchVideoModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await searchModels(this, 'video', filter);
}

/** Project templates: GET /api/v1/studio/templates?kind=project (the studio's templates/ folder). */
export async function searchTemplates(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const templates = await loading(this, 'templates', async () => {
		const response = await studioRequest<Template[]>(this, {
			method: 'GET',
			path: '/api/v1/studio/templates',
			qs: { kind: 'project' },
			accept: [404, 405],
		});
		if (routeMissing(response)) {
			throw new NodeOperationError(
				this.getNode(),
				'this studio has no template list (GET /api/v1/studio/templates); update the studio, or choose the template by ID',
			);
		}
		return response.body;
	});
	return {
		results: templates
			.filter((template) => matches(filter, template.name, template.id, template.description ?? ''))
			.map((template) => ({
				name: template.name,
				value: template.id,
				description: template.description,
			})),
	};
}
