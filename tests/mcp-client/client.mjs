// Drives an MCP server with the official TypeScript SDK over Streamable HTTP and prints one
// JSON object with what it saw. Usage: node client.mjs http://127.0.0.1:PORT/mcp
// tests/python/test_mcp_client.py runs it against tests/apps/mcp_app.py and checks the output.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = new URL(process.argv[2]);
const out = {};

// A failed call as {code, message}: McpError carries the JSON-RPC code, StreamableHTTPError the HTTP status.
async function failure(promise) {
    try {
        await promise;
        return { code: null, message: 'no error' };
    } catch (error) {
        return { code: error.code ?? null, message: String(error.message) };
    }
}

const transportErrors = [];
const transport = new StreamableHTTPClientTransport(url);
transport.onerror = (error) => transportErrors.push(String(error.message ?? error));
const client = new Client({ name: 'robyn-gateway-test', version: '1.0.0' });
await client.connect(transport);

out.protocolVersion = transport.protocolVersion;
out.sessionId = transport.sessionId ?? null;
out.serverVersion = client.getServerVersion();
out.capabilities = client.getServerCapabilities();
out.ping = await client.ping();

const { tools } = await client.listTools();
out.tools = Object.fromEntries(tools.map((tool) => [tool.name, tool.inputSchema]));
out.add = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
out.tag = await client.callTool({ name: 'tag', arguments: { text: 'hi', tags: ['x'], upper: true } });
out.divideByZero = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
out.badArguments = await failure(client.callTool({ name: 'add', arguments: { a: 'two' } }));
out.unknownTool = await failure(client.callTool({ name: 'nope', arguments: {} }));

out.resources = (await client.listResources()).resources.map((r) => r.uri);
out.templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
out.note = await client.readResource({ uri: 'notes://2' });
out.post = await client.readResource({ uri: 'user://7/posts/abc' });
out.missingResource = await failure(client.readResource({ uri: 'nothing://here' }));

out.prompts = (await client.listPrompts()).prompts.map((p) => ({ name: p.name, arguments: p.arguments }));
out.prompt = await client.getPrompt({ name: 'code_review', arguments: { code: 'x = 1', language: 'js' } });

// Ending the session: the server forgets it, and a client that goes on using it gets 404.
const ended = transport.sessionId;
await transport.terminateSession();
const stale = new StreamableHTTPClientTransport(url, { sessionId: ended });
const staleClient = new Client({ name: 'robyn-gateway-test', version: '1.0.0' });
await staleClient.connect(stale);  // with a session id, connect does not initialize again
out.afterTerminate = await failure(staleClient.listTools());
await staleClient.close();

await client.close();
out.transportErrors = transportErrors;
console.log(JSON.stringify(out));
