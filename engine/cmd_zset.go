package engine

var zsetCommands = []cmdDef{}
