import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { Job, Voice } from '../../shared/api';
import { fetchList } from '../../shared/lists';
import { studioRequest } from '../../shared/transport';
import type { Resource, Show } from '../descriptions';
import {
	additionalFieldsFor,
	backendField,
	jobOptions,
	listOptions,
	seedField,
} from '../descriptions';
import { additionalFields, locatorValue } from '../fields';
import { inputFile, multipart } from '../files';
import { runJob, submitJob, waitSettings } from '../jobs';

const generate: Show = { resource: ['speech'], operation: ['generate'] };
const clone: Show = { resource: ['speech'], operation: ['cloneVoice'] };
const listing: Show = { resource: ['speech'], operation: ['listVoices'] };

const AUDIO_FORMATS = [
	{ name: 'WAV', value: 'wav' },
	{ name: 'MP3', value: 'mp3' },
	{ name: 'OGG', value: 'ogg' },
	{ name: 'FLAC', value: 'flac' },
];

export const audioFormat: INodeProperties = {
	displayName: 'Format',
	name: 'format',
	type: 'options',
	options: AUDIO_FORMATS,
	default: 'wav',
};

const fields: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: { show: generate },
		description: 'What to say (up to 5,000 characters)',
	},
	{
		displayName: 'Voice',
		name: 'voice',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		displayOptions: { show: generate },
		description: "A cloned voice; empty: the backend's default voice (or the Preset below)",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchVoices', searchable: true },
			},
			{ displayName: 'ID', name: 'id', type: 'string', placeholder: 'e.g. 3f2a…' },
		],
	},
	additionalFieldsFor(generate, [
		backendField('chatterbox or espeak'),
		audioFormat,
		{
			displayName: 'Language',
			name: 'language',
			type: 'string',
			default: '',
			placeholder: 'pt-br',
		},
		{
			displayName: 'Preset',
			name: 'preset',
			type: 'string',
			default: '',
			description: "A backend's own voice, e.g. espeak's pt-br+f3",
		},
		seedField,
		{
			displayName: 'Speed',
			name: 'speed',
			type: 'number',
			typeOptions: { minValue: 0.25, maxValue: 4, numberPrecision: 2 },
			default: 1,
		},
	]),
	...jobOptions(generate),
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: clone },
		description:
			'Binary field with one clear speaker, 10 s to 5 min (WAV, MP3, OGG, FLAC, M4A or WebM)',
	},
	{
		displayName: 'Voice Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: clone },
	},
	{
		displayName: 'Language',
		name: 'language',
		type: 'string',
		default: '',
		placeholder: 'pt-br',
		displayOptions: { show: clone },
		description: 'Language of the sample; empty: detected',
	},
	...jobOptions(clone, { callback: false, project: false, files: false }),
	...listOptions(listing),
];

export const speech: Resource = {
	value: 'speech',
	name: 'Speech',
	operations: {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['speech'] } },
		options: [
			{
				name: 'Clone Voice',
				value: 'cloneVoice',
				action: 'Clone a voice',
				description: 'Clone a voice from a recording in a binary field',
			},
			{
				name: 'Generate',
				value: 'generate',
				action: 'Generate speech',
				description: 'Text to speech with a cloned or built-in voice',
			},
			{
				name: 'List Voices',
				value: 'listVoices',
				action: 'List voices',
				description: 'Your cloned voices, newest first',
			},
		],
		default: 'cloneVoice',
	},
	fields,
	handlers: {
		async generate(ctx, i) {
			const body: IDataObject = {
				text: ctx.getNodeParameter('text', i) as string,
				...additionalFields(ctx, i, {
					backend: 'backend',
					format: 'format',
					language: 'language',
					preset: 'preset',
					seed: 'seed',
					speed: 'speed',
				}),
			};
			const voice = locatorValue(ctx, 'voice', i);
			if (voice) body.voice_id = voice;
			return await runJob(ctx, i, '/api/v1/audio/generate-speech', body);
		},

		async cloneVoice(ctx, i) {
			const sample = await inputFile(
				ctx,
				i,
				ctx.getNodeParameter('binaryPropertyName', i) as string,
				'sample',
			);
			const form: Record<string, string> = { name: ctx.getNodeParameter('name', i) as string };
			const language = String(ctx.getNodeParameter('language', i, '')).trim();
			if (language) form.language = language;
			const { body, contentType } = multipart(form, sample);
			const settings = waitSettings(ctx, i);
			const { answer, job } = await submitJob<{ voice: Voice; job: Job }>(
				ctx,
				i,
				{ path: '/api/v1/audio/clone-voice', body, headers: { 'Content-Type': contentType } },
				settings,
				(accepted) => accepted.job,
			);
			const voice = settings.wait
				? (
						await studioRequest<Voice>(ctx, {
							method: 'GET',
							path: `/api/v1/audio/voices/${answer.voice.id}`,
							itemIndex: i,
						})
					).body
				: answer.voice;
			return [{ json: { ...voice, job } as unknown as IDataObject }];
		},

		async listVoices(ctx, i) {
			const limit = ctx.getNodeParameter('returnAll', i, false)
				? Infinity
				: (ctx.getNodeParameter('limit', i, 50) as number);
			const voices = await fetchList<Voice>(ctx, '/api/v1/audio/voices', {}, limit, i);
			return voices.map((voice) => ({ json: voice as unknown as IDataObject }));
		},
	},
};
