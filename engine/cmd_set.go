package engine

var setCommands = []cmdDef{}
