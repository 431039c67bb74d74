import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { Webhook, WebhookEvent } from '../shared/api';
import { JOB_TYPES } from '../shared/api';
import { studioRequest } from '../shared/transport';
import { SIGNATURE_HEADER, verifySignature } from './signature';

/** What the trigger keeps in the workflow's static data between activation and deliveries. */
interface Registration extends IDataObject {
	webhookId?: string;
	webhookSecret?: string;
}

interface Wanted {
	url: string;
	events: string[];
	job_types: string[];
}

function wanted(ctx: IHookFunctions): Wanted {
	const url = ctx.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(ctx.getNode(), 'n8n gave no URL for the trigger webhook');
	return {
		url,
		events: ctx.getNodeParameter('events', []) as string[],
		job_types: ctx.getNodeParameter('jobTypes', []) as string[],
	};
}

const sameSet = (a: string[], b: string[]) =>
	a.length === b.length && a.every((value) => b.includes(value));

function forget(data: Registration): void {
	delete data.webhookId;
	delete data.webhookSecret;
}

/** A registered webhook, or undefined when the studio no longer has it. */
async function findWebhook(ctx: IHookFunctions, id: string): Promise<Webhook | undefined> {
	const response = await studioRequest<Webhook>(ctx, {
		method: 'GET',
		path: `/api/v1/webhooks/${encodeURIComponent(id)}`,
		accept: [404, 405],
	});
	if (response.status === 404) return undefined;
	if (response.status === 405) {
		// A studio without GET /api/v1/webhooks/{id} (GATEWAY_NEEDS.md): look it up in the list.
		const all = await studioRequest<Webhook[]>(ctx, { method: 'GET', path: '/api/v1/webhooks' });
		return all.body.find((hook) => hook.id === id);
	}
	return response.body;
}

export class MediaStudioTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Media Studio Trigger',
		name: 'mediaStudioTrigger',
		icon: {
			light: 'file:../../icons/mediastudio.svg',
			dark: 'file:../../icons/mediastudio.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description:
			'Starts the workflow when Media Studio finishes a job or a project (signed webhooks)',
		defaults: { name: 'Media Studio Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'mediaStudioApi', required: true }],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['job.completed'],
				options: [
					{ name: 'Job Cancelled', value: 'job.cancelled' },
					{ name: 'Job Completed', value: 'job.completed' },
					{ name: 'Job Failed', value: 'job.failed' },
					{
						name: 'Project Completed',
						value: 'project.completed',
						description: 'A production finished its film',
					},
					{ name: 'Project Failed', value: 'project.failed' },
				],
			},
			{
				displayName: 'Job Types',
				name: 'jobTypes',
				type: 'multiOptions',
				default: [],
				options: JOB_TYPES,
				description: 'Only jobs of these types; none selected: every type',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Replay Window (Seconds)',
						name: 'replayWindow',
						type: 'number',
						typeOptions: { minValue: 10 },
						default: 300,
						description:
							'Refuse deliveries signed longer ago than this (a captured request cannot be replayed later)',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			/** True when the studio still has this node's webhook, for this URL, events and job types. */
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as Registration;
				if (!data.webhookId) return false;
				const hook = await findWebhook(this, data.webhookId);
				const want = wanted(this);
				const current =
					hook !== undefined &&
					data.webhookSecret !== undefined &&
					hook.url === want.url &&
					sameSet(hook.events, want.events) &&
					sameSet(hook.job_types, want.job_types);
				if (current) return true;
				if (hook) {
					// Registered for another URL or filter (or its secret was lost): replace it.
					await studioRequest(this, {
						method: 'DELETE',
						path: `/api/v1/webhooks/${hook.id}`,
						accept: [404],
					});
				}
				forget(data);
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as Registration;
				const response = await studioRequest<Webhook>(this, {
					method: 'POST',
					path: '/api/v1/webhooks',
					body: { ...wanted(this) },
				});
				if (!response.body.secret) {
					throw new NodeOperationError(
						this.getNode(),
						'Media Studio registered the webhook but returned no signing secret',
					);
				}
				data.webhookId = response.body.id;
				data.webhookSecret = response.body.secret;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as Registration;
				if (data.webhookId) {
					await studioRequest(this, {
						method: 'DELETE',
						path: `/api/v1/webhooks/${encodeURIComponent(data.webhookId)}`,
						accept: [404],
					});
				}
				forget(data);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const data = this.getWorkflowStaticData('node') as Registration;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const request = this.getRequestObject();
		const header = this.getHeaderData()[SIGNATURE_HEADER];
		const verdict = data.webhookSecret
			? verifySignature(
					data.webhookSecret,
					request.rawBody ?? Buffer.alloc(0),
					typeof header === 'string' ? header : undefined,
					Number(options.replayWindow ?? 300),
				)
			: {
					ok: false as const,
					reason: 'this trigger holds no signing secret; deactivate and activate the workflow',
				};
		if (!verdict.ok) {
			this.getResponseObject()
				.status(401)
				.json({ error: `delivery refused: ${verdict.reason}` });
			return { noWebhookResponse: true };
		}
		const body = this.getBodyData() as unknown as WebhookEvent;
		const events = this.getNodeParameter('events', []) as string[];
		const jobTypes = this.getNodeParameter('jobTypes', []) as string[];
		const unwanted =
			!events.includes(body.event) ||
			(body.job !== undefined && jobTypes.length > 0 && !jobTypes.includes(body.job.type));
		if (unwanted) return { webhookResponse: { ignored: body.event } };
		const delivery = this.getHeaderData()['x-studio-delivery'];
		return {
			workflowData: [
				this.helpers.returnJsonArray({
					...body,
					delivery_id: typeof delivery === 'string' ? delivery : null,
				} as unknown as IDataObject),
			],
		};
	}
}
