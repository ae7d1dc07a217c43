// Being built (issue 16): Test call.
import { heading } from './core.js';
export function testCallPage(ctx) { heading(ctx, 'Test call'); }
