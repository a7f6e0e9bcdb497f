import * as core from '@actions/core'
import { ECSClient } from '@aws-sdk/client-ecs'
core.info(`placeholder ${typeof ECSClient}`)
