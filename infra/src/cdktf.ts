// The one door to CDK for Terraform. HashiCorp archived cdktf in December 2025; its community
// continuation, CDK Terrain (cdktn), is a rename whose releases want Node 22. Moving over means
// changing this file and package.json, nothing else.
export {
  App,
  Fn,
  LocalBackend,
  S3Backend,
  TerraformOutput,
  TerraformStack,
  Testing,
  Token,
} from 'cdktf';
