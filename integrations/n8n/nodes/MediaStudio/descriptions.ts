import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

/** Runs one operation for one input item. */
export type Handler = (ctx: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

/** What one resource brings to the node: its operation picker, its fields, its handlers. */
export interface Resource {
	value: string;
	name: string;
	operations: INodeProperties;
	fields: INodeProperties[];
	handlers: Record<string, Handler>;
}

/** A `displayOptions.show` that names the resource and operations (and maybe more). */
export type Show = Record<string, Array<string | boolean | number>> & {
	resource: string[];
	operation: string[];
};

/** Which of the shared Options an operation offers (not every endpoint takes a project or a webhook). */
export interface JobOptionSet {
	callback?: boolean;
	project?: boolean;
	files?: boolean;
}

/** Wait for Completion and the Options collection shared by the operations that start work. */
export function jobOptions(
	show: Show,
	{ callback = true, project = true, files = true }: JobOptionSet = {},
	extra: INodeProperties[] = [],
): INodeProperties[] {
	const options: INodeProperties[] = [];
	if (callback) {
		options.push({
			displayName: 'Callback URL',
			name: 'callbackUrl',
			type: 'string',
			default: '',
			placeholder: '={{ $execution.resumeUrl }}',
			description:
				'The studio POSTs the signed outcome here when the work ends, e.g. the resume URL of a Wait node set to "On Webhook Call" (POST). It is sent as the request\'s webhook URL, signed with your account\'s webhook secret; a loopback or private address needs STUDIO_ALLOW_PRIVATE_WEBHOOKS=true on the studio.',
		});
	}
	if (files) {
		options.push({
			displayName: 'Download Results',
			name: 'downloadResults',
			type: 'boolean',
			default: true,
			description: 'Whether to download the finished media as binary data for the next node',
		});
	}
	options.push(
		{
			displayName: 'Max Wait Time (Seconds)',
			name: 'maxWaitTime',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 600,
			description: 'Give up waiting after this long; the work keeps running in the studio',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: 0.1, numberPrecision: 1 },
			default: 5,
			description: 'Seconds between status checks (the first minute is awaited in one request)',
		},
	);
	if (project) {
		options.push(projectParameter('File the job and its outputs under one of your projects'));
	}
	if (files) {
		options.push({
			displayName: 'Put Output File in Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			description:
				'Binary field for the first result; further results go to the same name with _1, _2… added',
		});
	}
	return [
		{
			displayName: 'Wait for Completion',
			name: 'waitForCompletion',
			type: 'boolean',
			default: true,
			displayOptions: { show },
			description:
				'Whether to wait until the work ends and return its result; otherwise return at once with the queued job',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: { show },
			options: [...options, ...extra].sort((a, b) => a.displayName.localeCompare(b.displayName)),
		},
	];
}

/** An input medium: from a binary property of the input item (uploaded first) or an existing asset. */
export function mediaInput(
	prefix: string,
	label: string,
	accepted: string,
	show: Show,
): INodeProperties[] {
	return [
		{
			displayName: `${label} Source`,
			name: `${prefix}Source`,
			type: 'options',
			default: 'binary',
			displayOptions: { show },
			options: [
				{
					name: 'Binary Field',
					value: 'binary',
					description: `Upload the ${label.toLowerCase()} from the input item`,
				},
				{ name: 'Asset ID', value: 'asset', description: 'Use an asset already in the studio' },
			],
		},
		{
			displayName: `${label} Binary Field`,
			name: `${prefix}BinaryProperty`,
			type: 'string',
			default: 'data',
			required: true,
			displayOptions: { show: { ...show, [`${prefix}Source`]: ['binary'] } },
			description: `Binary field of the input item holding the ${label.toLowerCase()} (${accepted})`,
		},
		{
			displayName: `${label} Asset ID`,
			name: `${prefix}AssetId`,
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { ...show, [`${prefix}Source`]: ['asset'] } },
			description: `An uploaded or generated ${label.toLowerCase()} asset, e.g. the first of a previous Media Studio result's assets`,
		},
	];
}

/** A project dropdown (GET /api/v1/studio/projects) or an ID; callers add displayOptions or required. */
export function projectParameter(description = ''): INodeProperties {
	return {
		displayName: 'Project',
		name: 'project',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchProjects', searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 5f0c9a7e-2b1d-4c55-9d3e-8a1f0e6b2c44',
			},
		],
	};
}

/** Model names come from the model servers' listings (GET /api/v1/models?service=…). */
export function modelLocator(searchListMethod: string): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description: "Empty: the server's default model",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod, searchable: true },
			},
			{ displayName: 'Name', name: 'name', type: 'string', placeholder: 'e.g. flux-schnell' },
		],
	};
}

/** The "Additional Fields" collection of an operation (optional request fields). */
export function additionalFieldsFor(show: Show, options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show },
		options,
	};
}

/** Every generation request may name a backend of the model server. */
export function backendField(examples: string): INodeProperties {
	return {
		displayName: 'Backend',
		name: 'backend',
		type: 'string',
		default: '',
		description: `E.g. ${examples}; empty: the server default.`,
	};
}

export const seedField: INodeProperties = {
	displayName: 'Seed',
	name: 'seed',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 0,
};

/** Offset pagination of a list endpoint: Return All, or a Limit. */
export function listOptions(show: Show): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			displayOptions: { show },
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 200 },
			default: 50,
			displayOptions: { show: { ...show, returnAll: [false] } },
			description: 'Max number of results to return',
		},
	];
}
