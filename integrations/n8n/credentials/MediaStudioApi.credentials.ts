import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/** A self-hosted studio: where its gateway answers, and an API key (one key is one tenant). */
export class MediaStudioApi implements ICredentialType {
	name = 'mediaStudioApi';

	displayName = 'Media Studio API';

	icon: Icon = {
		light: 'file:../icons/mediastudio.svg',
		dark: 'file:../icons/mediastudio.dark.svg',
	};

	documentationUrl = 'https://media-studio.invalid/docs/n8n#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:8080',
			placeholder: 'https://studio.example.com',
			description: 'Where your studio gateway answers, without /api/v1',
			required: true,
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'A key made with "studio keys create --name n8n" (it starts with sk_studio_)',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// The account route is cheap and answers 401 to a wrong or revoked key.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/v1/account',
			method: 'GET',
		},
	};
}
