import { App } from './cdktf.js';
import { ChatfleetStack } from './chatfleet-stack.js';
import { environments, outdir } from './settings.js';

// `make synth`: writes cdktf.out/stacks/{dev,prod}/cdk.tf.json.
const app = new App({ outdir: outdir() });
for (const env of environments()) new ChatfleetStack(app, env.name, env);
app.synth();
