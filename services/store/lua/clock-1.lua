--[[
  Redis's clock now (ms), read on the node that serves KEYS[1]: on Redis Cluster every node has
  its own clock, and a time compared with stamps made on one node (stream ids, ticket dates)
  must come from that node.

  KEYS[1] key: any key of that node's slot (never read)
]]
--- @include "includes/now"
return now
