import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { Resource } from './descriptions';
import {
	searchImageModels,
	searchProjects,
	searchTemplates,
	searchVideoModels,
	searchVoices,
} from './listSearch';
import { asset } from './resources/asset';
import { image } from './resources/image';
import { job } from './resources/job';
import { music } from './resources/music';
import { project } from './resources/project';
import { speech } from './resources/speech';
import { video } from './resources/video';

const RESOURCES: Resource[] = [asset, image, job, music, project, speech, video];

export class MediaStudio implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Media Studio',
		name: 'mediaStudio',
		icon: {
			light: 'file:../../icons/mediastudio.svg',
			dark: 'file:../../icons/mediastudio.dark.svg',
		},
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Speech, voice cloning, music, images, talking-head videos and whole films from your self-hosted Media Studio',
		defaults: { name: 'Media Studio' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'mediaStudioApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: RESOURCES.map((resource) => ({ name: resource.name, value: resource.value })),
				default: 'speech',
			},
			...RESOURCES.map((resource) => resource.operations),
			...RESOURCES.flatMap((resource) => resource.fields),
		],
	};

	methods = {
		listSearch: {
			searchImageModels,
			searchProjects,
			searchTemplates,
			searchVideoModels,
			searchVoices,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			try {
				const resource = this.getNodeParameter('resource', i) as string;
				const operation = this.getNodeParameter('operation', i) as string;
				const handler = RESOURCES.find((entry) => entry.value === resource)?.handlers[operation];
				if (!handler) {
					throw new NodeOperationError(
						this.getNode(),
						`Unknown operation "${operation}" of resource "${resource}"`,
						{ itemIndex: i },
					);
				}
				for (const result of await handler(this, i))
					out.push({ ...result, pairedItem: { item: i } });
			} catch (error) {
				const failure =
					error instanceof NodeApiError || error instanceof NodeOperationError
						? error
						: new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
				if (!this.continueOnFail()) throw failure;
				out.push({ json: { error: failure.message }, pairedItem: { item: i } });
			}
		}
		return [out];
	}
}
